/**
 * OpenSSL's own speed for a primitive on this CPU (`openssl speed -mr -evp`): what `scp`
 * encrypts with, beside the runtime's figures in `bench:aead`. A missing `openssl` is reported
 * as missing (`null`), never guessed.
 *
 * @module
 */

/** OpenSSL's figure for one primitive at one size: null when `openssl speed` gave none. */
export interface OpensslTiming {
  primitive: string;
  bytes: number;
  mbPerS: number | null;
}

/** Runs `openssl` with arguments: its standard output, or null when it failed or is missing. */
export type OpensslRunner = (args: string[]) => Promise<string | null>;

/**
 * The bytes per second in `openssl speed -mr` output: its `+F:<n>:<name>:<bytes/s>` line (one
 * size was measured), or `null` when there is none.
 */
export function parseSpeed(output: string): number | null {
  const perSecond = /^\+F:\d+:[^:\n]*:(\d+(?:\.\d+)?)\s*$/m.exec(output)?.[1];
  return perSecond === undefined ? null : Number(perSecond);
}

async function runOpenssl(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Each of `primitives` (as `openssl speed -evp` names them) at `bytes`, `seconds` each: the
 * version and figures (a primitive this `openssl` could not time has none), or `null` when
 * `openssl` is not installed.
 */
export async function opensslSpeed(
  primitives: string[],
  bytes: number,
  seconds: number,
  openssl: OpensslRunner = runOpenssl,
): Promise<{ version: string; timings: OpensslTiming[] } | null> {
  const version = (await openssl(["version"]))?.trim();
  if (!version) return null;
  const timings: OpensslTiming[] = [];
  for (const primitive of primitives) {
    const out = await openssl(
      ["speed", "-mr", "-evp", primitive, "-bytes", `${bytes}`, "-seconds", `${seconds}`],
    );
    const perSecond = out === null ? null : parseSpeed(out);
    timings.push({ primitive, bytes, mbPerS: perSecond === null ? null : perSecond / 1e6 });
  }
  return { version, timings };
}
