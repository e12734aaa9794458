/**
 * End-to-end protection of what members say: every message signed by its author, direct
 * messages sealed to their recipient's key, and replays refused. The host relays these bytes
 * and can neither forge nor read them, nor show them again in a later session.
 *
 * Each member chooses a random session number when it joins (the `nonce` of its `join`, which
 * the room passes on with its seat). Every message an author signs names the author's session,
 * and is checked against the session of the author's seat:
 *
 * - Room message: Ed25519 over `["rt/2", room id, author's session, seq, sent, me, text]`,
 *   where `sent` is the author's clock (ms since the epoch). The session number travels with
 *   the message, and receivers drop it unless it is the author's current one (an earlier
 *   session's message, played again), and unless `sent` is within `CLOCK_TOLERANCE_MS` of
 *   their own clock. The room id alone is no defence: the host chooses it.
 * - Direct message: the signed inner message (over the room id, the author's session, seq, the
 *   recipient's key, so it cannot be forwarded to someone else, and the recipient's session,
 *   so the host cannot play it again in a later one) sealed with libsodium's sealed box
 *   (ephemeral X25519 + XSalsa20-Poly1305) to the recipient's identity key converted to X25519.
 * - File-transfer message (offer, accept...): its body signed over
 *   `["rt/2", room id, author's session, seq, recipient key, recipient's session, body]` and
 *   sealed the same way.
 * - `seq` counts up across all kinds for each author session; receivers drop any message whose
 *   `seq` is not above the last one seen from that author's session. Two sessions of one key
 *   (one person in two terminals, or back after a crash) are two streams, each from 1.
 *
 * @module
 */
import { decode } from "@msgpack/msgpack";
import { z } from "zod";
import { sodium } from "../handshake/mod.ts";
import { equalBytes, toHex } from "../util/mod.ts";
import { type Identity, sign, verify } from "../identity/mod.ts";
import { anyBytes, bytes, encodeMessage, MAX_TEXT_CHARS } from "../codec/mod.ts";

const ROOM_LABEL = "rt/2 room message";
const DIRECT_LABEL = "rt/2 direct message";
const FILE_LABEL = "rt/2 file transfer";

/**
 * How far a room message's signed time may be from the receiver's clock, either way: 5
 * minutes. Clocks set by the network are within a second of each other; one set by hand is
 * rarely more than a minute or two off. Within this window a host can show a message again
 * only to someone who did not see it in this session of theirs, and with its true time;
 * outside it, never.
 */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** A message ready for the room: text, flag, counter, time, session and signature. */
export interface SignedSay {
  t: "say";
  text: string;
  me?: boolean;
  seq: number;
  /** The author's clock when signed, in ms since the epoch. */
  sent: number;
  /** The author's session number; none when it joined without one. */
  session?: Uint8Array;
  sig: Uint8Array;
}

/** What a member that gave no session number is addressed with, and signs with. */
const NO_NONCE = new Uint8Array(0);

function roomPayload(
  room: Uint8Array,
  session: Uint8Array,
  seq: number,
  sent: number,
  me: boolean,
  text: string,
): Uint8Array {
  return encodeMessage(["rt/2", room, session, seq, sent, me, text]);
}

/** The recipient: its key, and its random number for this session. */
export interface Recipient {
  key: Uint8Array;
  /** The number it chose when it joined (see `MemberInfo.nonce`); none: empty. */
  nonce?: Uint8Array;
}

function directPayload(
  room: Uint8Array,
  session: Uint8Array,
  seq: number,
  recipient: Recipient,
  me: boolean,
  text: string,
): Uint8Array {
  return addressedPayload(room, session, seq, recipient, me, text);
}

function filePayload(
  room: Uint8Array,
  session: Uint8Array,
  seq: number,
  recipient: Recipient,
  body: Uint8Array,
): Uint8Array {
  return addressedPayload(room, session, seq, recipient, body);
}

/** What a message to one recipient signs: whose and where from, to whom, then its content. */
function addressedPayload(
  room: Uint8Array,
  session: Uint8Array,
  seq: number,
  recipient: Recipient,
  ...content: unknown[]
): Uint8Array {
  return encodeMessage([
    "rt/2",
    room,
    session,
    seq,
    recipient.key,
    recipient.nonce ?? NO_NONCE,
    ...content,
  ]);
}

const FileInner = z.object({
  body: anyBytes,
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sig: bytes(64),
});

const DirectInner = z.object({
  text: z.string().max(MAX_TEXT_CHARS),
  me: z.boolean(),
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sig: bytes(64),
});

/** Options of a signer. */
export interface SignerOptions {
  /** This member's session number (the `nonce` of its `join`); none: empty. */
  session?: Uint8Array;
  /** The first message gets `after + 1`. Default: 0 (each session is a stream of its own). */
  after?: number;
  /** The clock signed into room messages, in ms since the epoch. Default: `Date.now`. */
  now?: () => number;
}

/** Signs and seals what this member sends in one room. */
export class MessageSigner {
  readonly #identity: Identity;
  readonly #room: Uint8Array;
  readonly #session: Uint8Array | undefined;
  readonly #now: () => number;
  #seq: number;

  constructor(identity: Identity, room: Uint8Array, options: SignerOptions = {}) {
    this.#identity = identity;
    this.#room = room;
    this.#session = options.session;
    this.#now = options.now ?? Date.now;
    this.#seq = options.after ?? 0;
  }

  /**
   * A signed room message. Lone surrogates become U+FFFD first: only well-formed text verifies
   * (see `verifySaid`).
   */
  say(text: string, me = false): SignedSay {
    text = text.toWellFormed();
    const seq = ++this.#seq;
    const sent = Math.max(0, Math.floor(this.#now()));
    const session = this.#session ?? NO_NONCE;
    const sig = sign(
      this.#identity,
      ROOM_LABEL,
      roomPayload(this.#room, session, seq, sent, me, text),
    );
    return {
      t: "say",
      text,
      ...(me ? { me } : {}),
      seq,
      sent,
      ...(this.#session ? { session: this.#session } : {}),
      sig,
    };
  }

  /** A direct message sealed to `recipient`'s identity key. */
  seal(recipient: Recipient, text: string, me = false): Uint8Array {
    const seq = ++this.#seq;
    const sig = sign(
      this.#identity,
      DIRECT_LABEL,
      directPayload(this.#room, this.#session ?? NO_NONCE, seq, recipient, me, text),
    );
    const inner = encodeMessage({ text, me, seq, sig });
    return sodium.crypto_box_seal(
      inner,
      sodium.crypto_sign_ed25519_pk_to_curve25519(recipient.key),
    );
  }

  /** A file-transfer message (`body`, already encoded) signed and sealed to `recipient`. */
  sealFile(recipient: Recipient, body: Uint8Array): Uint8Array {
    const seq = ++this.#seq;
    const sig = sign(
      this.#identity,
      FILE_LABEL,
      filePayload(this.#room, this.#session ?? NO_NONCE, seq, recipient, body),
    );
    const inner = encodeMessage({ body, seq, sig });
    return sodium.crypto_box_seal(
      inner,
      sodium.crypto_sign_ed25519_pk_to_curve25519(recipient.key),
    );
  }
}

/** A relayed room message as `verifySaid` reads it. */
export interface Said {
  text: string;
  me?: boolean;
  seq: number;
  sent?: number;
  session?: Uint8Array;
  sig: Uint8Array;
}

/**
 * Checks a relayed room message against its author's key: whether the author signed exactly
 * this text, flag, counter, time and session number, in this room. A message without a signed
 * time never verifies. Text that is not well-formed UTF-16 is refused: MessagePack encodes a
 * lone surrogate in a long string as U+FFFD, so one signature would otherwise cover several
 * texts, and a relay could swap one for another.
 *
 * Whether the session is the author's current one and the time is near enough is for the
 * caller to judge (`sameSession`, `clockOffset`).
 */
export function verifySaid(room: Uint8Array, author: Uint8Array, said: Said): boolean {
  if (!said.text.isWellFormed() || said.sent === undefined) return false;
  return verify(
    author,
    ROOM_LABEL,
    roomPayload(
      room,
      said.session ?? NO_NONCE,
      said.seq,
      said.sent,
      said.me === true,
      said.text,
    ),
    said.sig,
  );
}

/** Whether two session numbers are the same (none and none are). */
export function sameSession(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return equalBytes(a ?? NO_NONCE, b ?? NO_NONCE);
}

/**
 * How far a signed time is from this computer's clock: 0 within `CLOCK_TOLERANCE_MS`,
 * otherwise the signed time minus now (negative: dated in the past).
 */
export function clockOffset(sent: number, now: number = Date.now()): number {
  const offset = sent - now;
  return Math.abs(offset) <= CLOCK_TOLERANCE_MS ? 0 : offset;
}

/** Opens direct messages sent to one identity. */
export class DirectOpener {
  readonly #room: Uint8Array;
  readonly #publicX: Uint8Array;
  readonly #secretX: Uint8Array;
  readonly #self: Recipient;

  /**
   * `nonce`: the number this member chose for this session. Messages signed over any other
   * (recorded in an earlier session and played again by the host) do not open.
   */
  constructor(identity: Identity, room: Uint8Array, nonce?: Uint8Array) {
    this.#room = room;
    this.#self = { key: identity.publicKey, ...(nonce ? { nonce } : {}) };
    this.#publicX = sodium.crypto_sign_ed25519_pk_to_curve25519(identity.publicKey);
    this.#secretX = sodium.crypto_sign_ed25519_sk_to_curve25519(identity.secretKey);
  }

  /**
   * Opens a sealed direct message and checks its signature against the claimed sender's key
   * and session. Returns `null` for anything that is not genuine, complete and meant for this
   * identity in this session, from that session of the sender.
   */
  open(
    box: Uint8Array,
    sender: Uint8Array,
    senderSession?: Uint8Array,
  ): { text: string; me: boolean; seq: number } | null {
    let inner: z.infer<typeof DirectInner>;
    try {
      const plaintext = sodium.crypto_box_seal_open(box, this.#publicX, this.#secretX);
      const parsed = DirectInner.safeParse(decode(plaintext));
      if (!parsed.success) return null;
      inner = parsed.data;
    } catch {
      return null;
    }
    const session = senderSession ?? NO_NONCE;
    const payload = directPayload(this.#room, session, inner.seq, this.#self, inner.me, inner.text);
    if (!verify(sender, DIRECT_LABEL, payload, inner.sig)) return null;
    return { text: inner.text, me: inner.me, seq: inner.seq };
  }

  /**
   * Opens a sealed file-transfer message and checks its signature against the claimed
   * sender's key and session; `null` for anything not genuine, complete and meant for this
   * identity in this session.
   */
  openFile(
    box: Uint8Array,
    sender: Uint8Array,
    senderSession?: Uint8Array,
  ): { body: Uint8Array; seq: number } | null {
    let inner: z.infer<typeof FileInner>;
    try {
      const plaintext = sodium.crypto_box_seal_open(box, this.#publicX, this.#secretX);
      const parsed = FileInner.safeParse(decode(plaintext));
      if (!parsed.success) return null;
      inner = parsed.data;
    } catch {
      return null;
    }
    const session = senderSession ?? NO_NONCE;
    const payload = filePayload(this.#room, session, inner.seq, this.#self, inner.body);
    if (!verify(sender, FILE_LABEL, payload, inner.sig)) return null;
    return { body: inner.body, seq: inner.seq };
  }
}

/**
 * Author sessions a guard remembers, at most: past that the least recently heard is forgotten
 * (its old messages could then be shown once more). A room has far fewer; only a host making
 * up members by the thousand gets near it, and everyone sees each of them join.
 */
export const MAX_STREAMS = 16_384;

/**
 * Refuses replayed or reordered messages: within each author's session (key and session
 * number, both signed) `seq` must keep rising.
 */
export class ReplayGuard {
  /** Last `seq` per stream, the least recently heard first. */
  readonly #last = new Map<string, number>();
  readonly #max: number;

  constructor(options: { maxStreams?: number } = {}) {
    this.#max = options.maxStreams ?? MAX_STREAMS;
  }

  /** Whether `seq` from `author`'s session `session` is new; remembers it when it is. */
  accept(author: Uint8Array, session: Uint8Array | undefined, seq: number): boolean {
    const stream = `${toHex(author)} ${toHex(session ?? NO_NONCE)}`;
    const last = this.#last.get(stream);
    if (seq <= (last ?? 0)) return false;
    this.#last.delete(stream);
    this.#last.set(stream, seq);
    if (this.#last.size > this.#max) this.#last.delete(this.#last.keys().next().value!);
    return true;
  }
}
