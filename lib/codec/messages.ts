/**
 * The typed messages of rt's wire protocol, version 1: one discriminated union per direction
 * and phase, encoded with MessagePack. Every inbound field is validated here, once; the rest of
 * the program only sees values of these types.
 *
 * @module
 */
import { decode, Encoder } from "@msgpack/msgpack";
import { z } from "zod";
import { anyBytes, bytes } from "./bytes_schema.ts";
import { RtError } from "../errors.ts";

/**
 * Wire protocol version; bound into the handshake transcript. 2: room messages carry their
 * author's signed time and session number (`sent`, `session`), and every signature names the
 * author's session.
 */
export const PROTOCOL_VERSION = 2;
/** Longest name, in Unicode code points after NFC normalisation. */
export const MAX_NAME_CHARS = 32;
/** Longest chat message, in UTF-16 code units (a few KiB of UTF-8 at most). */
export const MAX_TEXT_CHARS = 4000;
/** Most members a `who` list carries. */
export const MAX_MEMBERS_LISTED = 10_000;

const nonce = bytes(16);
/**
 * What a member's rt can do beyond the protocol every rt speaks, as it says in its `join`: one
 * bit each (a number, not names, so that it costs the same few bytes in every member listed, in
 * every welcome, whatever a member says). Other members use a capability only with those who
 * say they have it (a host that does not know the field leaves it out, and members then do as
 * before); bits rt does not know are passed on and ignored.
 */
export const Capabilities = z.number().int().nonnegative().max(0xffff_ffff);
/** A member that can take an offer whose hashes follow the content (see `files/wire.ts`). */
export const CAN_STREAMED_OFFERS = 1;
const element = bytes(32);
const tag = bytes(32);
/** Names are checked for content by the room; the codec only bounds their size. */
const name = z.string().min(1).max(MAX_NAME_CHARS * 2);
const text = z.string().max(MAX_TEXT_CHARS);
const time = z.number().int().nonnegative();
const tries = z.number().int().min(0).max(10);
const reason = z.string().max(200);

// ---- handshake, in the clear ------------------------------------------------------------

/**
 * Host to joiner, before authentication. `early`: this host sends its identity proof right
 * behind its reply when the joiner's share asks for it (see `transport/secure.ts`); an rt before
 * it leaves it out, and proves its identity after the joiner's confirmation.
 */
export const HostHello = z.object({
  t: z.literal("hello"),
  v: z.number().int(),
  app: z.literal("rt"),
  nonce,
  tries,
  early: z.boolean().optional(),
});
const HostReply = z.object({ t: z.literal("reply"), y: element, confirm: tag });
const HostRetry = z.object({ t: z.literal("retry"), nonce, tries });
/**
 * Why the host refused, as a stable code (`locked`, `blocked`, `busy`, `full`,
 * `wrong-password`, `expired`: a member coming back that the room no longer knows); absent from older hosts, and a code this rt does not know is shown as a
 * plain refusal.
 */
const refusalCode = z.string().max(32).optional();
const HostDenied = z.object({ t: z.literal("denied"), reason, code: refusalCode });
/** Host to joiner during the handshake. */
export const HostHandshake = z.discriminatedUnion("t", [
  HostHello,
  HostReply,
  HostRetry,
  HostDenied,
]);
export type HostHandshake = z.infer<typeof HostHandshake>;

/**
 * `resume`: the handle of the resumption secret this joiner proves instead of the password (a
 * member coming back after its connection dropped); the secret itself never travels again.
 * `early`: asks a host whose hello offered it for its identity proof right behind its reply.
 */
const JoinerShare = z.object({
  t: z.literal("share"),
  v: z.number().int(),
  nonce,
  y: element,
  resume: bytes(16).optional(),
  early: z.boolean().optional(),
});
const JoinerConfirm = z.object({ t: z.literal("confirm"), confirm: tag });
const JoinerMismatch = z.object({ t: z.literal("mismatch") });
/** Joiner to host during the handshake. */
export const JoinerHandshake = z.discriminatedUnion("t", [
  JoinerShare,
  JoinerConfirm,
  JoinerMismatch,
]);
export type JoinerHandshake = z.infer<typeof JoinerHandshake>;

// ---- identities, encrypted, right after the password exchange ----------------------------

/**
 * Proof that the sender holds the private key of `key`, bound to this very connection.
 * `batches`: the sender reads batch frames (several messages sealed as one); an rt before them
 * leaves it out, and is sent one message a frame.
 */
export const IdentityProof = z.object({
  t: z.literal("identity"),
  key: bytes(32),
  sig: bytes(64),
  batches: z.boolean().optional(),
});
export type IdentityProof = z.infer<typeof IdentityProof>;

// ---- the room, encrypted --------------------------------------------------------------------

/** A member as others see it: name, role, and the identity key proven in the handshake. */
export const MemberInfo = z.object({
  name,
  host: z.boolean(),
  since: time,
  key: bytes(32),
  /** The member's random number for this session: direct and file messages to it sign it. */
  nonce: bytes(16).optional(),
  /** What the member's rt can do (see `Capabilities`). */
  can: Capabilities.optional(),
});
export type MemberInfo = z.infer<typeof MemberInfo>;
const members = z.array(MemberInfo).max(MAX_MEMBERS_LISTED);
/** Per-author message counter: signed, strictly increasing within one session of the author. */
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** The author's clock when it signed a room message, in ms since the epoch. */
const sent = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** The author's session number (the `nonce` of its `join`), signed into its room messages. */
const session = nonce.optional();
const signature = bytes(64);
/** Largest sealed direct message, in bytes. */
export const MAX_BOX_BYTES = 4 * MAX_TEXT_CHARS + 512;
const box = anyBytes.refine((b) => b.length <= MAX_BOX_BYTES, "too large");
/** Largest sealed file-transfer message (an offer lists its files), in bytes. */
export const MAX_FILE_BOX_BYTES = 192 * 1024;
const fileBox = anyBytes.refine((b) => b.length <= MAX_FILE_BOX_BYTES, "too large");
/** Bytes of file content per chunk. */
export const CHUNK_BYTES = 128 * 1024;
/** Largest encrypted chunk: the content and its 16-byte tag. */
export const MAX_CHUNK_BODY_BYTES = CHUNK_BYTES + 16;
const chunkBody = anyBytes.refine((b) => b.length <= MAX_CHUNK_BODY_BYTES, "too large");
const transferId = bytes(16);
const recipient = z.string().max(MAX_NAME_CHARS * 4);

/** Member to room. */
export const ClientMessage = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("join"),
    name: z.string().max(MAX_NAME_CHARS * 4),
    /** A random number for this session (see `MemberInfo`). */
    nonce: bytes(16).optional(),
    /** What this member's rt can do (see `Capabilities`). */
    can: Capabilities.optional(),
  }),
  z.object({
    t: z.literal("say"),
    text,
    me: z.boolean().optional(),
    seq,
    sent,
    session,
    sig: signature,
  }),
  z.object({ t: z.literal("dm"), to: recipient, box }),
  /** A file-transfer control message (offer, accept...), sealed to the recipient. */
  z.object({ t: z.literal("file"), to: recipient, box: fileBox }),
  /** Bulk data of a transfer, encrypted with the transfer's key: number `n` of its stream. */
  z.object({ t: z.literal("data"), to: recipient, id: transferId, n: seq, body: chunkBody }),
  z.object({ t: z.literal("who") }),
  z.object({ t: z.literal("bye") }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** A member's `data` message as the header of a bulk frame: all but the body. */
export const ClientDataHeader = z.object({
  t: z.literal("data"),
  to: recipient,
  id: transferId,
  n: seq,
});

/** Why a member left. */
export const LeaveReason = z.enum(["quit", "lost", "removed"]);
export type LeaveReason = z.infer<typeof LeaveReason>;

/** Room to member. */
export const RoomMessage = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("welcome"),
    name,
    room: bytes(16),
    members,
    /**
     * What lets this member come back without the password if its connection drops: a handle,
     * and a secret it proves in place of the password (kept in memory only; replaced at each
     * welcome). Absent from hosts that do not take members back.
     */
    resume: z.object({ id: bytes(16), secret: bytes(32), keepMs: time.optional() }).optional(),
    /** How long this member was away, in ms, when it came back (a welcome after a drop). */
    away: time.optional(),
  }),
  z.object({ t: z.literal("name-refused"), reason }),
  z.object({
    t: z.literal("joined"),
    name,
    at: time,
    key: bytes(32),
    nonce: bytes(16).optional(),
    can: Capabilities.optional(),
  }),
  z.object({ t: z.literal("left"), name, reason: LeaveReason, at: time }),
  z.object({
    t: z.literal("said"),
    from: name,
    text,
    at: time,
    me: z.boolean().optional(),
    seq,
    sent,
    session,
    sig: signature,
  }),
  z.object({ t: z.literal("dm"), from: name, box, at: time }),
  z.object({ t: z.literal("file"), from: name, box: fileBox, at: time }),
  z.object({ t: z.literal("data"), from: name, id: transferId, n: seq, body: chunkBody }),
  z.object({ t: z.literal("who"), members }),
  z.object({ t: z.literal("notice"), text: reason }),
  z.object({ t: z.literal("closed"), reason }),
]);
export type RoomMessage = z.infer<typeof RoomMessage>;

/** The room's `data` message as the header of a bulk frame: all but the body. */
export const RoomDataHeader = z.object({
  t: z.literal("data"),
  from: name,
  id: transferId,
  n: seq,
});

// ---- encoding -----------------------------------------------------------------------------

/** A `data` message's header without its body, to send as a bulk frame's sealed part. */
export function dataHeader<T extends { t: "data"; body: Uint8Array }>(
  message: T,
): Omit<T, "body"> {
  const { body: _, ...header } = message;
  return header;
}

/**
 * A `data` message from a bulk frame: its header validated against `schema`, its body bounded.
 * Anything else throws `RtError` with code `message-invalid`.
 */
export function decodeBulk<T extends { t: "data" }>(
  schema: z.ZodType<T>,
  header: Uint8Array,
  body: Uint8Array,
): T & { body: Uint8Array } {
  if (body.length > MAX_CHUNK_BODY_BYTES) {
    throw new RtError("message-invalid", "Peer sent an invalid message (body: too large)");
  }
  return { ...decodeMessage(schema, header), body };
}

/**
 * One encoder for every message. `encode()` makes a new encoder each time, with a 2 KiB buffer
 * that the result is a view of: a fresh allocation per message, kept as long as the message
 * is. `Encoder.encode` reuses its buffer and returns a copy of exactly the message's size.
 */
const encoder = new Encoder();

/** Encodes a message to MessagePack. */
export function encodeMessage(message: object): Uint8Array {
  return encoder.encode(message);
}

/**
 * Decodes and validates one message against `schema`. Anything malformed, of the wrong type,
 * or out of bounds throws `RtError` with code `message-invalid`.
 */
export function decodeMessage<T>(schema: z.ZodType<T>, payload: Uint8Array): T {
  let raw: unknown;
  try {
    // Decoded binary fields are views into `payload`; callers get a fresh copy per frame.
    raw = decode(payload, { useBigInt64: false });
  } catch (cause) {
    throw new RtError("message-invalid", "Peer sent bytes that are not a valid message", {
      cause,
    });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join(".") || "message";
    throw new RtError(
      "message-invalid",
      `Peer sent an invalid message (${where}: ${issue?.message})`,
    );
  }
  return result.data;
}
