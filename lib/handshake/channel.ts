/**
 * The sealed channel after the handshake: ChaCha20-Poly1305 (IETF, RFC 8439) with one key per
 * direction and an implicit 64-bit frame counter as the nonce. A replayed, reordered, dropped,
 * truncated or altered frame fails to open, and the caller closes the connection.
 *
 * ChaCha20-Poly1305 stands where the design named AES-256-GCM: the same AEAD guarantees,
 * constant time in WebAssembly, and synchronous, so sealing a small chat frame costs about
 * 3 µs here against 25 µs for an awaited WebCrypto AES-GCM call (see README, "Security").
 *
 * @module
 */
import { open, seal } from "./aead.ts";
import { RtError } from "../errors.ts";

/** Key length of the AEAD. */
export const KEY_BYTES = 32;
/** Authentication tag length of the AEAD. */
export const TAG_BYTES = 16;
const NONCE_BYTES = 12;

function nonceFor(counter: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, Math.floor(counter / 2 ** 32));
  view.setUint32(8, counter >>> 0);
  return nonce;
}

/** Seals frames in one direction. */
export class Sealer {
  #key: Uint8Array;
  #counter = 0;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new RangeError(`Key must be ${KEY_BYTES} bytes`);
    this.#key = key;
  }

  /** Encrypts and authenticates the next frame. */
  seal(plaintext: Uint8Array): Uint8Array {
    if (this.#counter >= Number.MAX_SAFE_INTEGER) throw new RangeError("Frame counter exhausted");
    const nonce = nonceFor(this.#counter++);
    return seal(this.#key, nonce, plaintext);
  }
}

/** Opens frames in one direction, in order, each exactly once. */
export class Opener {
  #key: Uint8Array;
  #counter = 0;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new RangeError(`Key must be ${KEY_BYTES} bytes`);
    this.#key = key;
  }

  /** Decrypts the next frame; throws `RtError("decrypt-failed")` for anything not genuine. */
  open(ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length < TAG_BYTES) {
      throw new RtError("decrypt-failed", "Received a frame too short to be genuine");
    }
    const nonce = nonceFor(this.#counter);
    let plaintext: Uint8Array;
    try {
      plaintext = open(this.#key, nonce, ciphertext);
    } catch {
      throw new RtError(
        "decrypt-failed",
        "Received a frame that was altered, replayed or out of order",
      );
    }
    this.#counter++;
    return plaintext;
  }
}
