/**
 * The decisions about a connection before it is in the room: whether it may start its
 * handshake, what a wrong password leads to, and how a failed handshake is told and ended.
 * Pure: the gate's answers and the room's size come in, the notices to give and what to do
 * with the connection come out.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { type Admission, LOCKED, type Refusal, type WrongGuess } from "./gate.ts";
import { blockNotices, from, type Say, wrongPasswordNotice } from "./notice_text.ts";

/** A connection turned away whose turning away the host and the joiner were told already. */
export class TurnedAway extends RtError {
  constructor(why: string) {
    super("denied", why);
    this.name = "TurnedAway";
  }
}

/**
 * Whether a new connection may start its handshake. `newcomers`: only members coming back may
 * finish it (the room is locked or full); a newcomer is told this.
 */
export type Entry =
  | { admitted: Admission; newcomers?: Refusal }
  /** Turned away; `release` is the gate's admission to give back (the room was full). */
  | { refused: Refusal; release?: Admission };

/**
 * The gate's answer, then the room's size (members and those choosing a name). `locked`: the
 * gate let the connection through a lock for members coming back (`comingBack`), who may also
 * come back into a full room: their seat is theirs.
 */
export function entry(
  answer: Admission | Refusal,
  members: number,
  maxMembers: number,
  options: { locked?: boolean; comingBack?: boolean } = {},
): Entry {
  if ("code" in answer) return { refused: answer };
  const full: Refusal = { code: "full", reason: `the room is full (${maxMembers} members)` };
  if (options.locked && options.comingBack) return { admitted: answer, newcomers: LOCKED };
  if (members < maxMembers) return { admitted: answer };
  if (options.comingBack) return { admitted: answer, newcomers: full };
  return { refused: full, release: answer };
}

/** What a wrong password leads to. */
export interface WrongPasswordOutcome {
  /** For the host. */
  said: Say[];
  /** The joiner's address got blocked: what it is told before the connection ends. */
  deny: string | null;
}

/** A wrong password, counted by the gate (`wrong`): what the host and the joiner are told. */
export function wrongPassword(
  who: string,
  turn: { attempt: number; left: number; abandoned: boolean },
  wrong: WrongGuess,
): WrongPasswordOutcome {
  const blocks = blockNotices(wrong.blocks, who);
  return {
    said: [wrongPasswordNotice(who, { ...turn, guesses: wrong.guesses }), ...blocks.said],
    deny: blocks.told && !turn.abandoned ? blocks.told : null,
  };
}

/** Handshake failures that show the peer is not an rt joiner (or is gone already). */
const NOT_A_JOINER = new Set([
  "message-invalid",
  "frame-too-large",
  "frame-truncated",
  "handshake-protocol",
  "handshake-invalid-share",
  "connection-closed",
]);

/** How a failed handshake is told, and ended. */
export interface HandshakeFailure {
  /** For the host, if anything. */
  say: Say | null;
  /**
   * Cut off at once: bytes that are not rt's handshake have nobody there to tell anything.
   * (Waiting for such a peer to close held the connection, and its slot, for up to half a
   * second each, which a flood of garbage connections turned into memory.) Else the
   * connection is ended politely.
   */
  cutOff: boolean;
}

/** The handshake with `who` failed with `error`. */
export function handshakeFailure(
  error: RtError,
  state: { roomClosed: boolean; tries: number; who: string },
): HandshakeFailure {
  const { who } = state;
  const cutOff = NOT_A_JOINER.has(error.code);
  const closed = `Closed connection from ${from(who)} during the handshake: ${error.message}`;
  // A bug is told whatever happens, and never left out.
  if (error.code === "internal") {
    return { say: { code: error.code, text: closed, address: who }, cutOff };
  }
  if (error instanceof TurnedAway || state.roomClosed) return { say: null, cutOff };
  if (error.code === "denied") {
    const text = `Disconnected ${from(who)} after ${state.tries} wrong passwords`;
    return { say: { code: "denied", text, address: who }, cutOff };
  }
  return { say: { code: error.code, text: closed, address: who, limited: true }, cutOff };
}
