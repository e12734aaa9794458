/**
 * The identity key file: created on first use, readable by its owner only, never silently
 * replaced when damaged.
 *
 * @module
 */
import { join } from "node:path";
import { describeError, fromHex, toHex } from "../util/mod.ts";
import { RtError } from "../errors.ts";
import { IdentityFileSchema } from "./schemas.ts";
import type { z } from "zod";
import {
  generateIdentity,
  type Identity,
  identityFromSeed,
  identitySeed,
  sameKey,
} from "../identity/mod.ts";

/** The file's name inside rt's folder. */
export const IDENTITY_FILE = "identity.json";

type IdentityRecord = z.infer<typeof IdentityFileSchema>;

/** Loads the identity from `directory`, creating it (and the folder) on first use. */
export async function loadOrCreateIdentity(
  directory: string,
): Promise<{ identity: Identity; created: boolean }> {
  const path = join(directory, IDENTITY_FILE);
  let text: string | null = null;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new RtError(
        "identity",
        `Cannot read your identity key file ${path}: ${describeError(error)}`,
        { cause: error },
      );
    }
  }
  if (text !== null) return { identity: parseIdentity(text, path), created: false };
  const identity = generateIdentity();
  const record: IdentityRecord = {
    format: "rt-identity-1",
    created: new Date().toISOString(),
    seed: toHex(identitySeed(identity)),
    publicKey: toHex(identity.publicKey),
  };
  await Deno.mkdir(directory, { recursive: true, mode: 0o700 });
  try {
    // createNew: never overwrite a file that appeared meanwhile.
    await Deno.writeTextFile(path, JSON.stringify(record, null, 2) + "\n", {
      createNew: true,
      mode: 0o600,
    });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      return { identity: parseIdentity(await Deno.readTextFile(path), path), created: false };
    }
    throw new RtError(
      "identity",
      `Cannot save your identity key in ${path}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
  return { identity, created: true };
}

/** Parses an identity file; a damaged one is an error that names the file and what to do. */
export function parseIdentity(text: string, path: string): Identity {
  const damaged = (why: string) =>
    new RtError(
      "identity",
      `Your identity key file ${path} is damaged (${why}). rt will not replace it: restore it ` +
        "from a backup, or move it away to start a new identity (people who know you will see " +
        "a changed-key warning).",
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw damaged("not valid JSON");
  }
  const checked = IdentityFileSchema.safeParse(data);
  if (!checked.success) {
    const fields = new Set(checked.error.issues.map((issue) => issue.path[0]));
    if (fields.has("format")) throw damaged("unknown format");
    if (fields.has("seed")) throw damaged("the key is missing or malformed");
    throw damaged("the public key does not match the secret key");
  }
  const identity = identityFromSeed(fromHex(checked.data.seed));
  if (!sameKey(fromHex(checked.data.publicKey), identity.publicKey)) {
    throw damaged("the public key does not match the secret key");
  }
  return identity;
}
