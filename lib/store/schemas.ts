/**
 * The files rt keeps, checked by zod as the wire is: what a file says is trusted no more than
 * what a stranger sends, since anything on the disk may have been edited or damaged.
 *
 * @module
 */
import { z } from "zod";

const hexKey = z.string().regex(/^[0-9a-f]{64}$/);
const name = z.string().max(256);
const time = z.string().max(64);

/** One key in the known-peers file. */
export const PeerRecordSchema = z.object({
  key: hexKey,
  names: z.array(name).max(1000),
  firstSeen: time,
  lastSeen: time,
  verified: z.boolean(),
  unresolved: z.array(name).max(1000).optional(),
});

/** The known-peers file (`peers.json`). */
export const PeersFileSchema = z.object({
  format: z.literal("rt-peers-1"),
  peers: z.array(PeerRecordSchema),
});

/** One entry of the blocklist. */
export const BlockEntrySchema = z.object({
  address: z.string().max(64).nullable(),
  key: hexKey.nullable(),
  name: name.nullable(),
  reason: z.string().max(1000),
  since: time,
});

/** The host's blocklist (`blocked.json`). */
export const BlocklistFileSchema = z.object({
  format: z.literal("rt-blocked-1"),
  blocked: z.array(BlockEntrySchema),
});

/** The identity key file (`identity.json`), field by field so that each fault can be named. */
export const IdentityFileSchema = z.object({
  format: z.literal("rt-identity-1"),
  created: time.optional(),
  /** Ed25519 seed, hex. */
  seed: hexKey,
  /** Ed25519 public key, hex (a check on the seed). */
  publicKey: hexKey,
});
