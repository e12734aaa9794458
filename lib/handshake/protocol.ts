/**
 * rt's handshake (protocol version 1): CPace in initiator-responder mode with explicit key
 * confirmation, then HKDF-SHA-512 for one key per direction. Pure: messages in, messages out.
 *
 * One attempt, the joiner (initiator, "A") talking to the host (responder, "B"):
 *
 * ```
 * B → A  hello {v, nonce_B, tries}       (or retry {nonce_B, tries} on a later attempt)
 * A → B  share {v, nonce_A, Y_A}
 * B → A  reply {Y_B, confirm_B}
 * A → B  confirm {confirm_A}             (or mismatch, when confirm_B did not verify)
 * ```
 *
 * Identity proofs follow, sealed (`transport/secure.ts`): the joiner's with its confirm and the
 * host's after it, or, when the hello offers `early` and the share asks for it, the host's
 * right behind its reply and the joiner's with its confirm (one trip fewer before `join`).
 *
 * `sid = SHA-512("rt/1 sid" ‖ lv(nonce_B) ‖ lv(nonce_A) ‖ attempt)[0..16]` is fresh from both
 * sides' randomness. The transcript hash `th` covers the host's greeting, the joiner's share
 * (both carrying the protocol version) and `Y_B`; keys and tags come from
 * `HKDF-SHA-512(ISK, salt = sid, info = "rt/1 keys" ‖ th)`. A wrong password makes the tags
 * differ; a man in the middle gets one guess per attempt and nothing to test offline.
 *
 * @module
 */
import { hkdfSync } from "node:crypto";
import { lvCat } from "./bytes.ts";
import { concat, equalBytes, utf8 } from "../util/mod.ts";
import { ELEMENT_BYTES, finishCpace, sha512, startCpace } from "./cpace.ts";
import { sodium } from "./sodium.ts";
import { KEY_BYTES } from "./channel.ts";
import { RtError } from "../errors.ts";

/** Protocol label bound into every derivation. */
const LABEL = "rt/1";
/** CPace channel identifier. */
export const CHANNEL_ID: Uint8Array = utf8(`${LABEL} chat room`);
/** Associated data of the joiner (initiator). */
export const JOINER_AD: Uint8Array = utf8(`${LABEL} joiner`);
/** Associated data of the host (responder). */
export const HOST_AD: Uint8Array = utf8(`${LABEL} host`);
/** Bytes of each side's nonce. */
export const NONCE_BYTES = 16;
const TAG_BYTES = 32;

/** The keys of one authenticated connection. */
export interface SessionKeys {
  /** Key sealing frames from joiner to host. */
  joinerToHost: Uint8Array;
  /** Key sealing frames from host to joiner. */
  hostToJoiner: Uint8Array;
  /** CPace's `sid_output`, a public identifier of this session. */
  sessionId: Uint8Array;
}

/** A fresh random nonce. */
export function randomNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

/**
 * The password as CPace's `PRS`: NFC-normalised UTF-8, so the same typed text always matches.
 * Bytes are taken as they are (a resumption secret, see {@link resumptionPrs}).
 */
export function passwordBytes(password: string | Uint8Array): Uint8Array {
  return typeof password === "string" ? utf8(password.normalize("NFC")) : password;
}

/**
 * The `PRS` of a reconnection: the 32 random bytes the host gave the member at its welcome, bound
 * to the room they were given in (its random id) and labelled apart from any typed password.
 */
export function resumptionPrs(room: Uint8Array, secret: Uint8Array): Uint8Array {
  return concat(utf8(`${LABEL} resumption`), lvCat(room, secret));
}

/** The session id of one attempt. */
export function sessionIdFor(hostNonce: Uint8Array, joinerNonce: Uint8Array, attempt: number) {
  const counter = new Uint8Array([attempt & 0xff]);
  return sha512(concat(utf8(`${LABEL} sid`), lvCat(hostNonce, joinerNonce), counter)).slice(0, 16);
}

interface Derived {
  keys: SessionKeys;
  hostTag: Uint8Array;
  joinerTag: Uint8Array;
}

function derive(
  isk: Uint8Array,
  sid: Uint8Array,
  th: Uint8Array,
  transcript: Uint8Array,
): Derived {
  // HKDF (RFC 5869) with SHA-512, native and synchronous: WebCrypto's would cost each side of
  // a handshake a trip through the runtime's thread pool and back, behind whatever else the
  // event loop has in hand (about 10 ms of a join under load).
  const info = concat(utf8(`${LABEL} keys`), th);
  const okm = new Uint8Array(hkdfSync("sha512", isk, sid, info, 2 * TAG_BYTES + 2 * KEY_BYTES));
  const confirmJoinerKey = okm.slice(0, 32);
  const confirmHostKey = okm.slice(32, 64);
  const hostTag = sodium.crypto_auth_hmacsha512256(
    concat(utf8(`${LABEL} host`), th),
    confirmHostKey,
  );
  const joinerTag = sodium.crypto_auth_hmacsha512256(
    concat(utf8(`${LABEL} joiner`), th, hostTag),
    confirmJoinerKey,
  );
  const sessionId = sha512(concat(utf8("CPaceSidOutput"), transcript)).slice(0, 16);
  return {
    keys: {
      joinerToHost: okm.slice(64, 64 + KEY_BYTES),
      hostToJoiner: okm.slice(64 + KEY_BYTES, 64 + 2 * KEY_BYTES),
      sessionId,
    },
    hostTag,
    joinerTag,
  };
}

function transcriptHash(greeting: Uint8Array, share: Uint8Array, yb: Uint8Array): Uint8Array {
  return sha512(concat(utf8(`${LABEL} transcript`), lvCat(greeting, share, yb)));
}

/** Input common to both sides of one attempt. */
export interface AttemptInput {
  /** The room password, or the bytes of a resumption `PRS` ({@link resumptionPrs}). */
  password: string | Uint8Array;
  /** The host's greeting frame of this attempt (hello or retry), exactly as sent. */
  greeting: Uint8Array;
  /** The host's nonce from that greeting. */
  hostNonce: Uint8Array;
  /** Attempt number, from 1. */
  attempt: number;
}

/** The joiner's side of one attempt. */
export class JoinerAttempt {
  readonly #input: AttemptInput;
  readonly #secret: Uint8Array;
  readonly #sid: Uint8Array;
  /** The joiner's nonce. */
  readonly nonce: Uint8Array;
  /** The joiner's share `Y_A`. */
  readonly share: Uint8Array;

  /** `nonce` and `secret` (the CPace scalar) are fresh random unless given (known-answer tests). */
  constructor(input: AttemptInput, nonce: Uint8Array = randomNonce(), secret?: Uint8Array) {
    this.#input = input;
    this.nonce = nonce;
    this.#sid = sessionIdFor(input.hostNonce, nonce, input.attempt);
    const mine = startCpace(passwordBytes(input.password), CHANNEL_ID, this.#sid, secret);
    this.#secret = mine.secret;
    this.share = mine.share;
  }

  /**
   * Checks the host's reply. Returns the keys and the joiner's tag when the host proved the
   * same password; throws `wrong-password` when it did not, or `handshake-invalid-share` for an
   * invalid point.
   */
  finish(
    shareFrame: Uint8Array,
    reply: { y: Uint8Array; confirm: Uint8Array },
  ): { keys: SessionKeys; confirm: Uint8Array } {
    if (reply.y.length !== ELEMENT_BYTES) {
      throw new RtError("handshake-invalid-share", "The host's key share has the wrong size");
    }
    const isk = finishCpace({
      sid: this.#sid,
      secret: this.#secret,
      peerShare: reply.y,
      ya: this.share,
      ada: JOINER_AD,
      yb: reply.y,
      adb: HOST_AD,
    });
    const th = transcriptHash(this.#input.greeting, shareFrame, reply.y);
    const transcript = concat(lvCat(this.share, JOINER_AD), lvCat(reply.y, HOST_AD));
    const d = derive(isk, this.#sid, th, transcript);
    if (reply.confirm.length !== TAG_BYTES || !equalBytes(d.hostTag, reply.confirm)) {
      throw new RtError("wrong-password", "The password does not match the room's");
    }
    return { keys: d.keys, confirm: d.joinerTag };
  }
}

/** The host's side of one attempt, from the joiner's share on. */
export class HostAttempt {
  readonly #expectedJoinerTag: Uint8Array;
  readonly #keys: SessionKeys;
  /** `Y_B`, to send. */
  readonly share: Uint8Array;
  /** The host's tag, to send. */
  readonly confirm: Uint8Array;

  private constructor(keys: SessionKeys, share: Uint8Array, hostTag: Uint8Array, tag: Uint8Array) {
    this.#keys = keys;
    this.share = share;
    this.confirm = hostTag;
    this.#expectedJoinerTag = tag;
  }

  /**
   * Answers the joiner's share. Throws `handshake-invalid-share` when `Y_A` is not a valid
   * point or gives the identity.
   */
  static respond(
    input: AttemptInput,
    shareFrame: Uint8Array,
    share: { nonce: Uint8Array; y: Uint8Array },
    /** The CPace scalar; fresh random unless given (known-answer tests). */
    secret?: Uint8Array,
  ): HostAttempt {
    const sid = sessionIdFor(input.hostNonce, share.nonce, input.attempt);
    const mine = startCpace(passwordBytes(input.password), CHANNEL_ID, sid, secret);
    const isk = finishCpace({
      sid,
      secret: mine.secret,
      peerShare: share.y,
      ya: share.y,
      ada: JOINER_AD,
      yb: mine.share,
      adb: HOST_AD,
    });
    const th = transcriptHash(input.greeting, shareFrame, mine.share);
    const transcript = concat(lvCat(share.y, JOINER_AD), lvCat(mine.share, HOST_AD));
    const d = derive(isk, sid, th, transcript);
    return new HostAttempt(d.keys, mine.share, d.hostTag, d.joinerTag);
  }

  /**
   * The keys before the joiner has proven the password: only for sealing the host's identity
   * proof right behind its reply, which a joiner without the password cannot open. Nothing from
   * the joiner is opened with them before {@link verify}.
   */
  get unconfirmedKeys(): SessionKeys {
    return this.#keys;
  }

  /** The keys when the joiner's tag proves the same password, otherwise `null`. */
  verify(joinerTag: Uint8Array): SessionKeys | null {
    return equalBytes(joinerTag, this.#expectedJoinerTag) ? this.#keys : null;
  }
}
