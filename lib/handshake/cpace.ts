/**
 * CPace, CPACE-RISTR255-SHA512, initiator-responder mode, as specified by
 * draft-irtf-cfrg-cpace-21. Group operations use libsodium's constant-time ristretto255.
 *
 * Bytes in, bytes out: no sockets, no clocks. Checked against the draft's vectors in
 * `tests/handshake/cpace_test.ts`.
 *
 * @module
 */
import { sodium } from "./sodium.ts";
import { lvCat, prependLen } from "./bytes.ts";
import { concat, utf8 } from "../util/mod.ts";
import { RtError } from "../errors.ts";

/** Domain separation string for the generator (draft section 8.3). */
export const DSI: Uint8Array = utf8("CPaceRistretto255");
/** Domain separation string for the intermediate session key (draft section 6.3). */
export const DSI_ISK: Uint8Array = utf8("CPaceRistretto255_ISK");
/** SHA-512 block size, `s_in_bytes` (draft section 7.2). */
const S_IN_BYTES = 128;
/** Encoding length of a ristretto255 element and scalar. */
export const ELEMENT_BYTES = 32;

/** SHA-512. */
export function sha512(data: Uint8Array): Uint8Array {
  return sodium.crypto_hash_sha512(data);
}

/** `generator_string(DSI, PRS, CI, sid, s_in_bytes)` (draft section 7.2). */
export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpadLength = Math.max(
    0,
    S_IN_BYTES - 1 - prependLen(prs).length - prependLen(DSI).length,
  );
  return lvCat(DSI, prs, new Uint8Array(zpadLength), ci, sid);
}

/** `calculate_generator(H, PRS, CI, sid)` for ristretto255 (draft section 8.3). */
export function calculateGenerator(
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
): Uint8Array {
  return sodium.crypto_core_ristretto255_from_hash(sha512(generatorString(prs, ci, sid)));
}

/**
 * A fresh uniformly random scalar `y` (draft `sample_scalar`): 64 random bytes reduced modulo
 * the group order, whose bias is below 2^-250. libsodium's own `scalar_random` gives the same
 * but draws its randomness through the WebAssembly boundary: 83 µs a scalar here against 4.
 */
export function sampleScalar(): Uint8Array {
  for (;;) {
    const y = sodium.crypto_core_ristretto255_scalar_reduce(
      crypto.getRandomValues(new Uint8Array(64)),
    );
    // Zero has odds of 2^-252; it would make the share the identity.
    if (y.some((b) => b !== 0)) return y;
  }
}

/** `scalar_mult(y, g)`: the public share `Y = y·g`, encoded. */
export function scalarMult(y: Uint8Array, g: Uint8Array): Uint8Array {
  return sodium.crypto_scalarmult_ristretto255(y, g);
}

/**
 * `scalar_mult_vfy(y, X)`: decodes `X`, multiplies, and aborts when `X` is not a valid
 * encoding or the result is the identity (draft section 8.3).
 */
export function scalarMultVfy(y: Uint8Array, x: Uint8Array): Uint8Array {
  if (x.length !== ELEMENT_BYTES || !sodium.crypto_core_ristretto255_is_valid_point(x)) {
    throw new RtError("handshake-invalid-share", "The peer's key share is not a valid point");
  }
  let k: Uint8Array;
  try {
    k = sodium.crypto_scalarmult_ristretto255(y, x);
  } catch {
    // libsodium refuses to return the identity element.
    throw new RtError("handshake-invalid-share", "The peer's key share gives the identity");
  }
  if (k.every((b) => b === 0)) {
    throw new RtError("handshake-invalid-share", "The peer's key share gives the identity");
  }
  return k;
}

/** `transcript_ir(Ya, ADa, Yb, ADb)` (draft section 6.3). */
export function transcriptIr(
  ya: Uint8Array,
  ada: Uint8Array,
  yb: Uint8Array,
  adb: Uint8Array,
): Uint8Array {
  return concat(lvCat(ya, ada), lvCat(yb, adb));
}

/** `ISK = H.hash(lv_cat(DSI_ISK, sid, K) || transcript_ir(...))` (draft section 6.3). */
export function intermediateSessionKey(
  sid: Uint8Array,
  k: Uint8Array,
  transcript: Uint8Array,
): Uint8Array {
  return sha512(concat(lvCat(DSI_ISK, sid, k), transcript));
}

/** `sid_output = H.hash(b"CPaceSidOutput" || transcript)` (draft section 10.6). */
export function sidOutput(transcript: Uint8Array): Uint8Array {
  return sha512(concat(utf8("CPaceSidOutput"), transcript));
}

/** One party's ephemeral state: its secret scalar and public share. */
export interface CpaceShare {
  /** The secret scalar `y`. */
  readonly secret: Uint8Array;
  /** The public share `Y = y·g`. */
  readonly share: Uint8Array;
}

/** Starts one side of CPace: derives the generator and a fresh (or given) share. */
export function startCpace(
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
  secret: Uint8Array = sampleScalar(),
): CpaceShare {
  const g = calculateGenerator(prs, ci, sid);
  return { secret, share: scalarMult(secret, g) };
}

/** Inputs to finish CPace in initiator-responder mode. */
export interface CpaceFinish {
  /** Session id. */
  sid: Uint8Array;
  /** Own secret scalar. */
  secret: Uint8Array;
  /** The peer's share, as received (hostile until checked). */
  peerShare: Uint8Array;
  /** Initiator's share and associated data. */
  ya: Uint8Array;
  /** Initiator's associated data. */
  ada: Uint8Array;
  /** Responder's share. */
  yb: Uint8Array;
  /** Responder's associated data. */
  adb: Uint8Array;
}

/** Finishes CPace: the intermediate session key, or an `RtError` on an invalid share. */
export function finishCpace(input: CpaceFinish): Uint8Array {
  const k = scalarMultVfy(input.secret, input.peerShare);
  return intermediateSessionKey(
    input.sid,
    k,
    transcriptIr(input.ya, input.ada, input.yb, input.adb),
  );
}
