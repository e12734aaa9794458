/**
 * Personal identity keys (Ed25519): signing, verifying, and the forms people compare aloud.
 * Pure: keys in, bytes out.
 *
 * @module
 */
import { sodium } from "../handshake/mod.ts";
import { concat, equalBytes, fromHex, toHex, utf8 } from "../util/mod.ts";
import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nativeSign,
  verify as nativeVerify,
} from "node:crypto";

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
  return readyToSign({ publicKey: pair.publicKey, secretKey: pair.privateKey });
}

/** The identity for a 32-byte seed (what the key file stores). */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new RangeError("An identity seed is 32 bytes");
  const pair = sodium.crypto_sign_seed_keypair(seed);
  return readyToSign({ publicKey: pair.publicKey, secretKey: pair.privateKey });
}

/**
 * Makes the system's key object of an identity as the identity is made (when rt starts), not
 * at its first signature, which is the identity proof of a person's first join: 56 µs here
 * (a first signature took 79 µs, the next ones 23).
 */
function readyToSign(identity: Identity): Identity {
  privateKey(identity);
  return identity;
}

/** The 32-byte seed of an identity. */
export function identitySeed(identity: Identity): Uint8Array {
  return identity.secretKey.slice(0, 32);
}

/** The DER prefix of an Ed25519 private key's seed (PKCS #8, RFC 8410). */
const PKCS8_PREFIX = fromHex("302e020100300506032b657004220420");
/** The system's key object of each identity that signed, made once. */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();

function privateKey(identity: Identity): KeyObject {
  let key = privateKeys.get(identity.secretKey);
  if (!key) {
    key = createPrivateKey({
      key: Buffer.from(concat(PKCS8_PREFIX, identity.secretKey.subarray(0, 32))),
      format: "der",
      type: "pkcs8",
    });
    privateKeys.set(identity.secretKey, key);
  }
  return key;
}

/**
 * Signs `message` under a domain label, so a signature for one purpose is useless for another.
 * With the system's Ed25519 (a third of libsodium's time here; every line a member says is
 * signed): Ed25519 signatures are deterministic, so the bytes are libsodium's.
 */
export function sign(identity: Identity, label: string, message: Uint8Array): Uint8Array {
  const signed = concat(utf8(label), new Uint8Array([0]), message);
  return new Uint8Array(nativeSign(null, signed, privateKey(identity)));
}

/** The order of Ed25519's base point, L, as the little-endian bytes of a signature's S. */
const ORDER_L = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

/** Whether a signature's S (its last 32 bytes, little-endian) is below L, as RFC 8032 asks. */
function canonicalS(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!, l = ORDER_L[i]!;
    if (s !== l) return s < l;
  }
  return false;
}

/** Public keys already looked at: the system's key for each good one, `null` for a bad one. */
const nativeKeys = new Map<string, KeyObject | null>();
const MAX_NATIVE_KEYS = 4096;
/** The DER prefix of an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410). */
const SPKI_PREFIX = fromHex("302a300506032b6570032100");

/**
 * The system's key object for `publicKey`, or `null` when it is not a key anyone could have
 * made: not a canonical point of the curve's prime-order group (a small-order or mixed-order
 * point lets its owner make one signature pass for several messages).
 */
function nativeKey(publicKey: Uint8Array): KeyObject | null {
  const id = toHex(publicKey);
  const known = nativeKeys.get(id);
  if (known !== undefined) return known;
  let key: KeyObject | null = null;
  if (sodium.crypto_core_ed25519_is_valid_point(publicKey)) {
    key = createPublicKey({
      key: Buffer.from(concat(SPKI_PREFIX, publicKey)),
      format: "der",
      type: "spki",
    });
  }
  if (nativeKeys.size >= MAX_NATIVE_KEYS) nativeKeys.clear();
  nativeKeys.set(id, key);
  return key;
}

/**
 * Checks a signature made by `sign` with the same label. Never throws on hostile input.
 *
 * The system's Ed25519 (three times libsodium's speed here: a host's own seat checks every
 * line said in the room) with libsodium's strictness: a non-canonical S, or a public key that
 * is not a canonical prime-order point, is refused before it is looked at.
 */
export function verify(
  publicKey: Uint8Array,
  label: string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    if (!canonicalS(signature)) return false;
    const key = nativeKey(publicKey);
    if (key === null) return false;
    return nativeVerify(null, concat(utf8(label), new Uint8Array([0]), message), key, signature);
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
