/**
 * What two members say to each other about a file transfer, and how its content travels.
 *
 * Control messages (offer, accept, reject, cancel, done) are MessagePack bodies, signed and
 * sealed to the other member like direct messages (see `client/signing.ts`). The offer carries
 * a fresh random key for this transfer to this one recipient; the content then streams as
 * chunks encrypted with it (ChaCha20-Poly1305, the chunk number in the nonce, the transfer id
 * as associated data), and the recipient's acknowledgements flow back the same way under the
 * other direction's nonces. The host relays both and can read neither.
 *
 * Each file's SHA-256 is either in the offer (the sender hashes every file before offering),
 * or, in a streamed offer, follows the file's content in the stream: the sender hashes each
 * file as it reads it to send, and after its last chunk seals its digest as the next frame
 * (32 bytes), so that the hash no longer holds the offer back. The digest frame is sealed with
 * the transfer's key like the content, so it comes from the sender as surely as the key did,
 * and the recipient checks each file against it before saving it, as against an offered hash.
 * A sender makes a streamed offer only to members whose rt says it can take one (see
 * `CAN_STREAMED_OFFERS`). Its files carry a `tag` in place of the hash: what the recipient
 * keeps the file's part under, the same each time the same file is offered, so that a
 * transfer that stopped carries on from its part.
 *
 * @module
 */
import { decode } from "@msgpack/msgpack";
import { z } from "zod";
import { bytes, encodeMessage } from "../codec/mod.ts";
import { open, seal } from "../handshake/mod.ts";

/** Most files in one offer (it must fit in one sealed message). */
export const MAX_OFFER_FILES = 1000;
/** Longest file path in an offer, in UTF-16 code units. */
export const MAX_PATH_CHARS = 1024;
/**
 * Most bytes in flight (sent, not yet acknowledged as written) per transfer, unless the
 * recipient says otherwise in its `accept` (rt before it could did not).
 */
export const WINDOW_BYTES = 8 * 1024 * 1024;
/** Most bytes in flight a recipient may allow (`accept.window`). */
export const MAX_WINDOW_BYTES = 64 * 1024 * 1024;

const id = bytes(16);
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Longest reason a cancel or a failed "done" may carry. */
export const MAX_REASON_CHARS = 200;
const reason = z.string().max(MAX_REASON_CHARS);

/** Bytes of a file's digest (SHA-256), in an offer or in a streamed offer's digest frame. */
export const DIGEST_BYTES = 32;

/** One file in an offer: with its hash, or (a streamed offer) with a tag naming its part. */
export const OfferedFileInfo = z.object({
  path: z.string().min(1).max(MAX_PATH_CHARS),
  size,
  type: z.string().max(100),
  hash: bytes(DIGEST_BYTES).optional(),
  tag: bytes(16).optional(),
});
export type OfferedFileInfo = z.infer<typeof OfferedFileInfo>;

/** Whether an offer's files are streamed: their hashes follow the content. */
export function isStreamed(files: readonly { size: number; tag?: Uint8Array }[]): boolean {
  return files[0]?.tag !== undefined;
}

/**
 * What a recipient keeps a file's part under: its hash, or its tag in a streamed offer. In a
 * validated offer every file has one or the other (see `decodeTransfer`).
 */
export function partKey(file: OfferedFileInfo): Uint8Array {
  return file.hash ?? file.tag!;
}

/** Whether the files of an offer are all hashed, or all tagged (streamed): never mixed. */
function consistent(files: readonly OfferedFileInfo[]): boolean {
  const streamed = isStreamed(files);
  return files.every((f) =>
    streamed
      ? f.hash === undefined && f.tag !== undefined
      : f.hash !== undefined && f.tag === undefined
  );
}

/** A file-transfer control message. */
export const TransferMessage = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("offer"),
    id,
    key: bytes(32),
    files: z.array(OfferedFileInfo).min(1).max(MAX_OFFER_FILES),
    /**
     * The transfer (its id) this offer carries on, stopped when a connection dropped: the
     * recipient that had accepted that one from this sender accepts this one at once. Optional,
     * so that rt without it reads the offer as an ordinary one.
     */
    resumes: id.optional(),
  }),
  /**
   * Accepted: where to start each file (bytes already held, for a resumed transfer), and how
   * many bytes may be in flight (`WINDOW_BYTES` when not said; the sender keeps it between
   * `WINDOW_BYTES` and `MAX_WINDOW_BYTES`, see `allowedWindow`). Optional, so that rt without
   * it reads the accept as an ordinary one; any size is read, so that a later rt's choice never
   * makes the accept unreadable.
   */
  z.object({
    kind: z.literal("accept"),
    id,
    from: z.array(size).max(MAX_OFFER_FILES),
    window: size.optional(),
  }),
  z.object({ kind: z.literal("reject"), id }),
  /**
   * Stopped. `resumable`: not by the person but by their rt (something failed, e.g. a frame
   * altered on the way): what was received is kept to carry on from. `again`: the recipient's
   * connection dropped and is back: the sender is asked to offer the same files again
   * (`resumes`), to carry on where they stopped.
   */
  z.object({
    kind: z.literal("cancel"),
    id,
    reason,
    resumable: z.boolean().optional(),
    again: z.boolean().optional(),
  }),
  /** The recipient's verdict once everything arrived: every hash checked, or not. */
  z.object({ kind: z.literal("done"), id, ok: z.boolean(), reason: reason.optional() }),
]);
export type TransferMessage = z.infer<typeof TransferMessage>;

/** The window a sender keeps to, from an accept's `window` (absent: `WINDOW_BYTES`). */
export function allowedWindow(window: number | undefined): number {
  return Math.min(MAX_WINDOW_BYTES, Math.max(WINDOW_BYTES, window ?? WINDOW_BYTES));
}

/** Encodes a control message. */
export function encodeTransfer(message: TransferMessage): Uint8Array {
  return encodeMessage(message);
}

/** Decodes and validates a control message; `null` for anything malformed. */
export function decodeTransfer(body: Uint8Array): TransferMessage | null {
  try {
    const parsed = TransferMessage.safeParse(decode(body, { useBigInt64: false }));
    if (!parsed.success) return null;
    const message = parsed.data;
    return message.kind === "offer" && !consistent(message.files) ? null : message;
  } catch {
    return null;
  }
}

/** Which way a stream frame goes: content from the sender, or acknowledgements back. */
export type StreamDirection = "content" | "acks";

function nonce(direction: StreamDirection, n: number): Uint8Array {
  const out = new Uint8Array(12);
  out[0] = direction === "content" ? 1 : 2;
  const view = new DataView(out.buffer);
  view.setUint32(4, Math.floor(n / 2 ** 32));
  view.setUint32(8, n >>> 0);
  return out;
}

/** Encrypts and decrypts one transfer's stream frames. */
export class StreamCipher {
  readonly #key: Uint8Array;
  readonly #id: Uint8Array;

  constructor(key: Uint8Array, transferId: Uint8Array) {
    this.#key = key;
    this.#id = transferId;
  }

  /** Frame `n` of `direction`. */
  seal(direction: StreamDirection, n: number, plaintext: Uint8Array): Uint8Array {
    return seal(this.#key, nonce(direction, n), plaintext, this.#id);
  }

  /** Frame `n` of `direction`, or `null` when it is not genuine. */
  open(direction: StreamDirection, n: number, body: Uint8Array): Uint8Array | null {
    if (body.length < 16) return null;
    try {
      return open(this.#key, nonce(direction, n), body, this.#id);
    } catch {
      return null;
    }
  }
}

/** An acknowledgement: bytes of the transfer written so far, as 8 bytes. */
export function encodeAck(written: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(written / 2 ** 32));
  view.setUint32(4, written >>> 0);
  return out;
}

/** The count in an acknowledgement, or `null` when it is not one. */
export function decodeAck(plaintext: Uint8Array): number | null {
  if (plaintext.length !== 8) return null;
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, 8);
  const n = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  return Number.isSafeInteger(n) ? n : null;
}
