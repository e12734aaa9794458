/**
 * End-to-end protection of what members say: every message signed by its author, direct
 * messages sealed to their recipient's key, and replays refused. The host relays these bytes
 * and can neither forge nor read them.
 *
 * - Room message signature: Ed25519 over `["rt/1", room id, seq, me, text]`.
 * - Direct message: the signed inner message (which also names the recipient's key, so it
 *   cannot be forwarded to someone else, and the random number the recipient chose for this
 *   session, so the host cannot play it again in a later one) sealed with libsodium's sealed box (ephemeral X25519
 *   + XSalsa20-Poly1305) to the recipient's identity key converted to X25519.
 * - File-transfer message (offer, accept...): its body signed over
 *   `["rt/1", room id, seq, recipient key, body]` and sealed the same way.
 * - `seq` counts up across all kinds for each author within one room; receivers drop any
 *   message whose `seq` is not above the last one seen from that author. It starts from the
 *   clock (microseconds), not from 1, so that a member who comes back to the same room with
 *   the same key (after a crash, say) is not taken for a replay of their earlier messages.
 *
 * @module
 */
import { decode, encode } from "@msgpack/msgpack";
import { z } from "zod";
import { sodium } from "../handshake/sodium.ts";
import { toHex } from "../handshake/bytes.ts";
import { type Identity, sign, verify } from "../identity/keys.ts";
import { MAX_TEXT_CHARS } from "../codec/messages.ts";

const ROOM_LABEL = "rt/1 room message";
const DIRECT_LABEL = "rt/1 direct message";
const FILE_LABEL = "rt/1 file transfer";

/** A message ready for the room: text, flag, counter and signature. */
export interface SignedSay {
  t: "say";
  text: string;
  me?: boolean;
  seq: number;
  sig: Uint8Array;
}

function roomPayload(room: Uint8Array, seq: number, me: boolean, text: string): Uint8Array {
  return encode(["rt/1", room, seq, me, text]);
}

/** What a member that gave no session number is addressed with. */
const NO_NONCE = new Uint8Array(0);

/** The recipient: its key, and its random number for this session. */
export interface Recipient {
  key: Uint8Array;
  /** The number it chose when it joined (see `MemberInfo.nonce`); none: empty. */
  nonce?: Uint8Array;
}

function directPayload(
  room: Uint8Array,
  seq: number,
  recipient: Recipient,
  me: boolean,
  text: string,
): Uint8Array {
  return encode(["rt/1", room, seq, recipient.key, recipient.nonce ?? NO_NONCE, me, text]);
}

function filePayload(
  room: Uint8Array,
  seq: number,
  recipient: Recipient,
  body: Uint8Array,
): Uint8Array {
  return encode(["rt/1", room, seq, recipient.key, recipient.nonce ?? NO_NONCE, body]);
}

const FileInner = z.object({
  body: z.custom<Uint8Array>((v) => v instanceof Uint8Array),
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sig: z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.length === 64),
});

const DirectInner = z.object({
  text: z.string().max(MAX_TEXT_CHARS),
  me: z.boolean(),
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sig: z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.length === 64),
});

/** Signs and seals what this member sends in one room. */
export class MessageSigner {
  readonly #identity: Identity;
  readonly #room: Uint8Array;
  #seq: number;

  /**
   * `after`: the first message gets `after + 1`. By default the time in microseconds, so that
   * a later signer for the same key and room (the member came back) starts above every number
   * an earlier one used, as long as that one sent fewer than 1000 messages per millisecond.
   */
  constructor(identity: Identity, room: Uint8Array, after: number = Date.now() * 1000) {
    this.#identity = identity;
    this.#room = room;
    this.#seq = after;
  }

  /**
   * A signed room message. Lone surrogates become U+FFFD first: only well-formed text verifies
   * (see `verifySaid`).
   */
  say(text: string, me = false): SignedSay {
    text = text.toWellFormed();
    const seq = ++this.#seq;
    const sig = sign(this.#identity, ROOM_LABEL, roomPayload(this.#room, seq, me, text));
    return me ? { t: "say", text, me, seq, sig } : { t: "say", text, seq, sig };
  }

  /** A direct message sealed to `recipient`'s identity key. */
  seal(recipient: Recipient, text: string, me = false): Uint8Array {
    const seq = ++this.#seq;
    const sig = sign(
      this.#identity,
      DIRECT_LABEL,
      directPayload(this.#room, seq, recipient, me, text),
    );
    const inner = encode({ text, me, seq, sig });
    return sodium.crypto_box_seal(
      inner,
      sodium.crypto_sign_ed25519_pk_to_curve25519(recipient.key),
    );
  }

  /** A file-transfer message (`body`, already encoded) signed and sealed to `recipient`. */
  sealFile(recipient: Recipient, body: Uint8Array): Uint8Array {
    const seq = ++this.#seq;
    const sig = sign(this.#identity, FILE_LABEL, filePayload(this.#room, seq, recipient, body));
    const inner = encode({ body, seq, sig });
    return sodium.crypto_box_seal(
      inner,
      sodium.crypto_sign_ed25519_pk_to_curve25519(recipient.key),
    );
  }
}

/**
 * Checks a relayed room message against its author's key. Text that is not well-formed UTF-16
 * is refused: MessagePack encodes a lone surrogate in a long string as U+FFFD, so one signature
 * would otherwise cover several texts, and a relay could swap one for another.
 */
export function verifySaid(
  room: Uint8Array,
  author: Uint8Array,
  said: { text: string; me?: boolean; seq: number; sig: Uint8Array },
): boolean {
  if (!said.text.isWellFormed()) return false;
  return verify(
    author,
    ROOM_LABEL,
    roomPayload(room, said.seq, said.me === true, said.text),
    said.sig,
  );
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
   * Opens a sealed direct message and checks its signature against the claimed sender's key.
   * Returns `null` for anything that is not genuine, complete and meant for this identity.
   */
  open(box: Uint8Array, sender: Uint8Array): { text: string; me: boolean; seq: number } | null {
    let inner: z.infer<typeof DirectInner>;
    try {
      const plaintext = sodium.crypto_box_seal_open(box, this.#publicX, this.#secretX);
      const parsed = DirectInner.safeParse(decode(plaintext));
      if (!parsed.success) return null;
      inner = parsed.data;
    } catch {
      return null;
    }
    const payload = directPayload(this.#room, inner.seq, this.#self, inner.me, inner.text);
    if (!verify(sender, DIRECT_LABEL, payload, inner.sig)) return null;
    return { text: inner.text, me: inner.me, seq: inner.seq };
  }

  /**
   * Opens a sealed file-transfer message and checks its signature against the claimed
   * sender's key; `null` for anything not genuine, complete and meant for this identity.
   */
  openFile(box: Uint8Array, sender: Uint8Array): { body: Uint8Array; seq: number } | null {
    let inner: z.infer<typeof FileInner>;
    try {
      const plaintext = sodium.crypto_box_seal_open(box, this.#publicX, this.#secretX);
      const parsed = FileInner.safeParse(decode(plaintext));
      if (!parsed.success) return null;
      inner = parsed.data;
    } catch {
      return null;
    }
    const payload = filePayload(this.#room, inner.seq, this.#self, inner.body);
    if (!verify(sender, FILE_LABEL, payload, inner.sig)) return null;
    return { body: inner.body, seq: inner.seq };
  }
}

/** Refuses replayed or reordered messages: each author's `seq` must keep rising. */
export class ReplayGuard {
  readonly #last = new Map<string, number>();

  /** Whether `seq` from `author` is new; remembers it when it is. */
  accept(author: Uint8Array, seq: number): boolean {
    const key = toHex(author);
    if (seq <= (this.#last.get(key) ?? 0)) return false;
    this.#last.set(key, seq);
    return true;
  }
}
