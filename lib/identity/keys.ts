/**
 * Personal identity keys (Ed25519): signing, verifying, and the forms people compare aloud.
 * Pure: keys in, bytes out.
 *
 * @module
 */
import { sodium } from "../handshake/mod.ts";
import { concat, equalBytes, utf8 } from "../util/mod.ts";

/** Bytes of a public key. */
export const PUBLIC_KEY_BYTES = 32;
/** Bytes of a signature. */
export const SIGNATURE_BYTES = 64;

/** A person's long-term key pair. */
export interface Identity {
  /** Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** Ed25519 secret key (libsodium form: seed and public key), 64 bytes. */
  secretKey: Uint8Array;
}

/** A fresh identity. */
export function generateIdentity(): Identity {
  const pair = sodium.crypto_sign_keypair();
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}

/** The identity for a 32-byte seed (what the key file stores). */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new RangeError("An identity seed is 32 bytes");
  const pair = sodium.crypto_sign_seed_keypair(seed);
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}

/** The 32-byte seed of an identity. */
export function identitySeed(identity: Identity): Uint8Array {
  return identity.secretKey.slice(0, 32);
}

/** Signs `message` under a domain label, so a signature for one purpose is useless for another. */
export function sign(identity: Identity, label: string, message: Uint8Array): Uint8Array {
  return sodium.crypto_sign_detached(
    concat(utf8(label), new Uint8Array([0]), message),
    identity.secretKey,
  );
}

/** Checks a signature made by `sign` with the same label. Never throws on hostile input. */
export function verify(
  publicKey: Uint8Array,
  label: string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(
      signature,
      concat(utf8(label), new Uint8Array([0]), message),
      publicKey,
    );
  } catch {
    return false;
  }
}

/** Whether two public keys are the same. */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

function digitGroups(digest: Uint8Array, groups: number): string {
  const out: string[] = [];
  for (let i = 0; i < groups; i++) {
    // Five bytes give 40 bits; modulo 100000 leaves five decimal digits (about 16.6 bits).
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + digest[i * 5 + j]!;
    out.push(String(n % 100000).padStart(5, "0"));
  }
  return out.join(" ");
}

/**
 * A key's fingerprint as six groups of five digits (about 100 bits), easy to read aloud:
 * `SHA-512("rt fingerprint" ‖ key)` in 5-byte chunks, each modulo 100000.
 */
export function fingerprint(publicKey: Uint8Array): string {
  return digitGroups(sodium.crypto_hash_sha512(concat(utf8("rt fingerprint"), publicKey)), 6);
}

/**
 * The safety code two people compare out of band to check they see each other's real keys:
 * twelve groups of five digits from both keys in a fixed order, the same on both sides.
 */
export function safetyCode(a: Uint8Array, b: Uint8Array): string {
  const [first, second] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  return digitGroups(sodium.crypto_hash_sha512(concat(utf8("rt safety code"), first, second)), 12);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
