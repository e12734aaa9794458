/**
 * Runs rt's handshake over a framed connection and returns a sealed one. The host side counts
 * wrong passwords per connection; the joiner side asks for the password again after each.
 *
 * @module
 */
import {
  decodeMessage,
  encodeMessage,
  HostHandshake,
  IdentityProof,
  JoinerHandshake,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
} from "../codec/mod.ts";
import {
  HostAttempt,
  JoinerAttempt,
  Opener,
  randomNonce,
  Sealer,
  type SessionKeys,
} from "../handshake/mod.ts";
import { RtError } from "../errors.ts";
import { type Identity, sign, verify } from "../identity/mod.ts";
import type { FramedConnection } from "./framed.ts";
import { busy, type Flushable, flushed, flushSoon, flushWithin, forget } from "../util/mod.ts";

/** Largest frame accepted before authentication. */
export const HANDSHAKE_FRAME_BYTES = 1024;
/** Password tries per connection. */
export const DEFAULT_TRIES = 3;
/** How long either side waits for the other during the handshake (a person may be typing). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 60_000;
/**
 * How long the host waits for a joiner's first guess. The joiner has its password before it
 * connects, so this covers round trips (Tor's too), not typing: a connection that only sits
 * there cannot hold one of the host's few pending places for long.
 */
export const FIRST_GUESS_TIMEOUT_MS = 10_000;

/**
 * How long a joiner waits for the host's greeting. A host greets as soon as it accepts the
 * connection, so this covers round trips (Tor's too), not typing: a program on the port that
 * accepts and says nothing (not an rt room) is given up on soon, not after a minute.
 */
export const FIRST_ANSWER_TIMEOUT_MS = 10_000;

/** The host did not greet within the first answer's deadline: likely not an rt room at all. */
export class SilentHost extends RtError {
  /** The deadline, in whole seconds. */
  readonly seconds: number;

  constructor(seconds: number) {
    super("handshake-timeout", `The host did not answer like an rt room within ${seconds} s`);
    this.seconds = seconds;
  }
}

/** Why a host refuses a joiner, as sent on the wire in `denied`. */
export const REFUSAL_CODES = [
  "locked",
  "blocked",
  "busy",
  "full",
  "wrong-password",
  "expired",
] as const;
/** One of {@link REFUSAL_CODES}. */
export type RefusalCode = typeof REFUSAL_CODES[number];

/** The host refused: `refusal` says why (`null` when the host did not say, or said it oddly). */
export class Refused extends RtError {
  readonly refusal: RefusalCode | null;
  /** The host's own words (peer text: sanitise before showing). */
  readonly reason: string;

  constructor(refusal: RefusalCode | null, reason: string) {
    super("denied", `The host refused: ${reason}`);
    this.refusal = refusal;
    this.reason = reason;
  }
}

function refusalOf(code: string | undefined, fallback: RefusalCode | null): RefusalCode | null {
  return (REFUSAL_CODES as readonly string[]).includes(code ?? "") ? code as RefusalCode : fallback;
}

/** Kinds of frame once sealed (the first byte). */
const SEALED = 0;
const BULK = 1;
/** Several messages sealed as one: each a 4-byte big-endian length, then its bytes. */
const BATCH = 2;
const SEALED_KIND = new Uint8Array([SEALED]);
const BATCH_KIND = new Uint8Array([BATCH]);
/** Largest sealed header of a bulk frame. */
const MAX_BULK_HEADER_BYTES = 1024;
/**
 * Messages gathered for one peer are sealed at once when they reach this many bytes, rather
 * than at the end of the event loop's turn: a batch stays well inside a frame.
 */
const BATCH_BYTES = 64 * 1024;
/** Bytes a sealed frame adds to what it seals: its length, its kind, the tag. */
const SEAL_BYTES = 4 + 1 + 16;
/** Bytes a message costs in a batch besides its own: its length. */
const BATCH_ITEM_OVERHEAD = 4;

/** A frame received: its plaintext, and for a bulk frame its body. */
export interface ReceivedFrame {
  plaintext: Uint8Array;
  /** A bulk frame's body: bytes that are encrypted end to end already, passed on as they are. */
  body: Uint8Array | null;
}

/** The messages of a batch frame's plaintext; throws `RtError` for anything malformed. */
function splitBatch(plaintext: Uint8Array): Uint8Array[] {
  const messages: Uint8Array[] = [];
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  let offset = 0;
  while (offset < plaintext.length) {
    if (offset + BATCH_ITEM_OVERHEAD > plaintext.length) break;
    const length = view.getUint32(offset);
    offset += BATCH_ITEM_OVERHEAD;
    if (length === 0 || offset + length > plaintext.length) break;
    messages.push(plaintext.subarray(offset, offset + length));
    offset += length;
  }
  // A batch is two messages or more, each whole: anything else was not made by an rt peer.
  if (offset !== plaintext.length || messages.length < 2) {
    throw new RtError("message-invalid", "Received a malformed batch of messages");
  }
  return messages;
}

/**
 * An authenticated, encrypted connection: plaintext frames in and out. Three kinds of frame:
 * sealed (all of it encrypted and authenticated); batch, several messages sealed as one frame;
 * and bulk, for file chunks that are already encrypted end to end for their recipient: its
 * header (who it is for, which transfer, which chunk) is sealed like any frame, and its body is
 * sent as it is rather than encrypted a second time (the recipient authenticates it; a body
 * altered on the way fails there).
 *
 * Batches are sent only to a peer that said, in its identity proof, that it reads them
 * (`peerBatches`). To such a peer, a quiet connection's message goes at once and what follows
 * it in the same turn of the event loop is gathered and sealed together when the turn ends; a
 * busy connection's messages are gathered until a few milliseconds after it last sent (see
 * `util/coalesce.ts`): a busy room's host seals and writes once per member per few
 * milliseconds rather than once per line.
 */
export class SecureConnection implements Flushable {
  readonly #framed: FramedConnection;
  readonly #sealer: Sealer;
  readonly #opener: Opener;
  /** Public identifier of this session (CPace `sid_output`, 16 bytes). */
  readonly sessionId: Uint8Array;
  /** The peer's identity key, once proven (see `receiveIdentity`). */
  peerKey: Uint8Array = new Uint8Array(0);
  /** Whether the peer reads batch frames (it said so in its identity proof). */
  peerBatches = false;
  /**
   * On the host's side, the handle of the resumption secret the joiner proved instead of the
   * password (a member coming back); `null` for a joiner who proved the password.
   */
  resumed: Uint8Array | null = null;
  /** Messages gathered for the peer, sealed at the end of the turn (see `flush`). */
  #gathered: Uint8Array[] = [];
  #gatheredBytes = 0;
  /** What is gathered is to be flushed at the end of the turn or of the busy interval. */
  #soon = false;
  /** Messages of a batch received, not yet taken; `#unbatchedAt` is the next one. */
  #unbatched: Uint8Array[] = [];
  #unbatchedAt = 0;
  /** When gathered messages were last sealed and queued (`performance.now()`). */
  flushedAt = -Infinity;
  flushedBefore = -Infinity;

  /**
   * `confirmed`: the peer has proven the password, so its frames may be as large as any
   * member's (default); false leaves the limit as it is, for the host's proof sent early.
   */
  constructor(
    framed: FramedConnection,
    keys: { send: Uint8Array; receive: Uint8Array; id: Uint8Array },
    confirmed = true,
  ) {
    this.#framed = framed;
    this.#sealer = new Sealer(keys.send);
    this.#opener = new Opener(keys.receive);
    this.sessionId = keys.id;
    if (confirmed) framed.maxFrameBytes = MAX_FRAME_BYTES;
  }

  /**
   * Seals and queues one message, or gathers it for a batch. `mayWait`: nobody waits on this
   * message (news of who joined, say); it is sent with what follows it, within
   * `SOON_ENOUGH_MS` (see `util/coalesce.ts`). Throws `RtError` when the connection is closed
   * or stalled (a gathered message counts towards the queue's limit).
   */
  send(plaintext: Uint8Array, mayWait = false): void {
    if (!this.peerBatches) return this.#sendSealed(plaintext);
    // A quiet connection's message goes at once, not behind the rest of this turn's work.
    if (!mayWait && this.#gathered.length === 0 && !busy(this, performance.now())) {
      this.#sendSealed(plaintext);
      flushed(this);
      return;
    }
    // A stalled peer is found now, as for a message sent at once: the room drops it.
    this.#framed.ensureRoom(
      this.#gatheredBytes + plaintext.length + BATCH_ITEM_OVERHEAD + SEAL_BYTES,
    );
    this.#gathered.push(plaintext);
    this.#gatheredBytes += plaintext.length + BATCH_ITEM_OVERHEAD;
    if (this.#gatheredBytes >= BATCH_BYTES) this.flush();
    else if (!mayWait && !this.#soon) {
      this.#soon = true;
      flushSoon(this);
    } else if (this.#gathered.length === 1) flushWithin(this);
  }

  /**
   * One message in a sealed frame of its own, queued at once: the handshake's identity proof,
   * which is no part of a stream of sends (see `util/coalesce.ts`) whenever it goes.
   */
  sendAlone(plaintext: Uint8Array): void {
    this.#sendSealed(plaintext);
  }

  /** One message as a sealed frame, queued. */
  #sendSealed(plaintext: Uint8Array): void {
    this.#framed.send([SEALED_KIND, this.#sealer.seal(plaintext)]);
  }

  /**
   * Seals what was gathered for the peer (one message as a sealed frame, several as a batch)
   * and queues it. Called by `util/coalesce.ts` when the turn or the busy interval ends, and
   * here before anything that must follow it (a bulk frame, the end, a wait for room).
   */
  flush(): void {
    const gathered = this.#gathered;
    if (gathered.length === 0) return;
    const bytes = this.#gatheredBytes;
    this.#gathered = [];
    this.#gatheredBytes = 0;
    this.#soon = false;
    flushed(this);
    if (this.#framed.closed) return;
    try {
      if (gathered.length === 1) return this.#sendSealed(gathered[0]!);
      const batch = new Uint8Array(bytes);
      const view = new DataView(batch.buffer);
      let offset = 0;
      for (const message of gathered) {
        view.setUint32(offset, message.length);
        batch.set(message, offset + BATCH_ITEM_OVERHEAD);
        offset += message.length + BATCH_ITEM_OVERHEAD;
      }
      this.#framed.send([BATCH_KIND, this.#sealer.seal(batch)]);
    } catch {
      // Stalled: the framed connection closed itself with the reason, which its reader throws.
    }
  }

  /** Queues a bulk frame: `header` sealed, `body` (encrypted end to end already) as it is. */
  sendBulk(header: Uint8Array, body: Uint8Array): void {
    this.flush();
    const sealed = this.#sealer.seal(header);
    if (sealed.length > MAX_BULK_HEADER_BYTES) throw new RangeError("Bulk header too large");
    const prefix = new Uint8Array([BULK, sealed.length >> 8, sealed.length & 0xff]);
    this.#framed.send([prefix, sealed, body]);
  }

  /**
   * The next frame, `null` at a clean end; rejects on any tampering with what is sealed, a
   * malformed frame, or any failure. The messages of a batch come one by one, as sealed frames.
   */
  async receiveFrame(timeoutMs?: number): Promise<ReceivedFrame | null> {
    // A batch is read ahead like any frame: closed (a write failed, or this side ended it), what
    // is left of it is dropped, as the framed connection drops its frames. A member held to the
    // rate would otherwise go on through hundreds of its messages after it hung up.
    if (this.#framed.closed) {
      this.#unbatched = [];
      this.#unbatchedAt = 0;
    }
    if (this.#unbatchedAt < this.#unbatched.length) return this.#nextUnbatched();
    const frame = await this.#framed.next(timeoutMs);
    if (frame === null) return null;
    if (frame[0] === SEALED) return { plaintext: this.#opener.open(frame.subarray(1)), body: null };
    if (frame[0] === BATCH) {
      this.#unbatched = splitBatch(this.#opener.open(frame.subarray(1)));
      this.#unbatchedAt = 0;
      return this.#nextUnbatched();
    }
    if (frame[0] === BULK && frame.length >= 3) {
      const length = (frame[1]! << 8) | frame[2]!;
      if (length <= MAX_BULK_HEADER_BYTES && 3 + length <= frame.length) {
        const plaintext = this.#opener.open(frame.subarray(3, 3 + length));
        return { plaintext, body: frame.subarray(3 + length) };
      }
    }
    // Not a frame this connection's peer could have sent: as for any frame that does not open.
    throw new RtError("decrypt-failed", "Received a frame that is not genuine");
  }

  #nextUnbatched(): ReceivedFrame {
    const plaintext = this.#unbatched[this.#unbatchedAt++]!;
    if (this.#unbatchedAt === this.#unbatched.length) {
      this.#unbatched = [];
      this.#unbatchedAt = 0;
    }
    return { plaintext, body: null };
  }

  /** The next sealed message, `null` at a clean end; a bulk frame here is an error. */
  async receive(timeoutMs?: number): Promise<Uint8Array | null> {
    const frame = await this.receiveFrame(timeoutMs);
    if (frame === null) return null;
    if (frame.body !== null) throw new RtError("message-invalid", "Unexpected bulk frame");
    return frame.plaintext;
  }

  /** Bytes queued for the peer, gathered ones included. */
  get queuedBytes(): number {
    return this.#framed.queuedBytes + this.#gatheredBytes;
  }

  /** Whether the connection is closed: by either side, or because it failed. */
  get closed(): boolean {
    return this.#framed.closed;
  }

  /** Resolves once at most `bytes` are queued for the peer (see `FramedConnection.hasRoom`). */
  hasRoom(bytes: number): Promise<void> | null {
    this.flush();
    return this.#framed.hasRoom(bytes);
  }

  /** Flushes what is queued, then closes. */
  end(timeoutMs?: number): Promise<void> {
    this.flush();
    return this.#framed.end(timeoutMs);
  }

  /** Closes at once. */
  close(reason?: RtError): void {
    this.#gathered = [];
    this.#gatheredBytes = 0;
    this.#soon = false;
    forget(this);
    this.#framed.close(reason);
  }
}

/** The next frame of the handshake; rejects on a deadline passed or the connection closed. */
async function handshakeFrame(
  framed: FramedConnection,
  timeoutMs: number,
  waitingFor: string,
): Promise<Uint8Array> {
  let frame: Uint8Array | null;
  try {
    frame = await framed.next(timeoutMs);
  } catch (error) {
    if (error instanceof RtError && error.code === "timeout") {
      throw new RtError(
        "handshake-timeout",
        `Gave up waiting for ${waitingFor} after ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    throw error;
  }
  if (frame === null) {
    throw new RtError("connection-closed", `Connection closed while waiting for ${waitingFor}`);
  }
  return frame;
}

async function nextMessage<T>(
  framed: FramedConnection,
  schema: Parameters<typeof decodeMessage<T>>[0],
  timeoutMs: number,
  waitingFor: string,
): Promise<{ message: T; frame: Uint8Array }> {
  const frame = await handshakeFrame(framed, timeoutMs, waitingFor);
  return { message: decodeMessage(schema, frame), frame };
}

function protocolError(expected: string, got: string): RtError {
  return new RtError("handshake-protocol", `Expected ${expected} but the peer sent "${got}"`);
}

/** Signature label of an identity proof: the role is part of it, so a proof cannot be reflected. */
function proofLabel(role: "host" | "joiner"): string {
  return `rt/1 identity proof from the ${role}`;
}

/**
 * Both sides prove possession of their identity key by signing this connection's session id;
 * the proof is sent inside the sealed channel, so it is useless on any other connection.
 */
function sendIdentity(secure: SecureConnection, identity: Identity, role: "host" | "joiner") {
  secure.sendAlone(encodeMessage({
    t: "identity",
    key: identity.publicKey,
    sig: sign(identity, proofLabel(role), secure.sessionId),
    batches: true,
  }));
}

/**
 * Reads and checks the peer's identity proof (see {@link sendIdentity}). Sets
 * `secure.peerKey`; rejects with `identity-proof` when the peer's proof is wrong.
 */
async function receiveIdentity(
  secure: SecureConnection,
  role: "host" | "joiner",
  timeoutMs: number,
): Promise<SecureConnection> {
  let plaintext: Uint8Array | null;
  try {
    plaintext = await secure.receive(timeoutMs);
  } catch (error) {
    if (error instanceof RtError && error.code === "timeout") {
      throw new RtError("handshake-timeout", "Gave up waiting for the identity proof");
    }
    throw error;
  }
  if (plaintext === null) {
    throw new RtError("connection-closed", "Connection closed before the identity proof");
  }
  const proof = decodeMessage(IdentityProof, plaintext);
  const peerRole = role === "host" ? "joiner" : "host";
  if (!verify(proof.key, proofLabel(peerRole), secure.sessionId, proof.sig)) {
    throw new RtError("identity-proof", `The ${peerRole}'s identity proof does not verify`);
  }
  secure.peerKey = proof.key;
  secure.peerBatches = proof.batches === true;
  return secure;
}

/** Options of the host side of the handshake. */
export interface AcceptOptions {
  /** The host's identity key. */
  identity: Identity;
  /** The room password now (it may change while the room is open). */
  password: () => string;
  /** Password tries on this connection. Default: 3. */
  tries?: number;
  /** Deadline for each message from the joiner. Default: 60 s. */
  timeoutMs?: number;
  /** Deadline for the joiner's first guess (at most `timeoutMs`). Default: 10 s. */
  firstGuessTimeoutMs?: number;
  /**
   * Called after each wrong password guess, with the attempt number and tries left;
   * `abandoned` when the joiner went away after seeing the host's answer (which tells it
   * whether its guess was right, so it counts as a guess too).
   */
  onWrongPassword?: (attempt: number, triesLeft: number, abandoned: boolean) => void;
  /**
   * Called before the host answers a password guess: the answer tells the joiner whether the
   * guess was right, so this is when a guess is spent. Throw to refuse it (the error ends the
   * handshake; send the joiner a `denied` first). `onWrongPassword` may throw likewise (after
   * sending its own `denied`, e.g. when the guess got the address blocked).
   */
  onGuess?: (attempt: number) => void;
  /**
   * The `PRS` (see `resumptionPrs`) of the resumption secret with this handle, or `null` when
   * the room knows no such handle. A joiner proving one gets a single try, spent as a guess
   * like a password's. Without this option, nobody is taken back.
   */
  resumption?: (handle: Uint8Array) => Uint8Array | null;
  /**
   * Called when a joiner offers a password rather than a resumption, before its guess counts;
   * throw to refuse it (send the joiner a `denied` first): a locked or full room that takes
   * back only members whose connection dropped.
   */
  newcomer?: () => void;
  /**
   * Called instead of `onWrongPassword` when a resumption names a secret the room does not
   * know (the host started again, the seat is gone): counted by the caller as it sees fit.
   */
  onUnknownResumption?: () => void;
  /**
   * Offer to send the host's identity proof right behind its reply (the hello's `early`), and
   * do so when the joiner asks. Default: true; false speaks as an rt before it (tests).
   */
  early?: boolean;
}

/** What the host says to a member coming back that the room does not know (any more). */
const EXPIRED_REASON = "this room does not know you any more (the host started it again, or " +
  "you were away too long): join again with the password";

/**
 * The host side: greets, checks the joiner's password proof up to `tries` times, and returns
 * the sealed connection. Rejects with `denied` when every try was wrong, or another `RtError`
 * for a timeout, an invalid message or a lost connection; the caller closes `framed`.
 */
export async function acceptJoiner(
  framed: FramedConnection,
  options: AcceptOptions,
): Promise<SecureConnection> {
  const tries = options.tries ?? DEFAULT_TRIES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const firstTimeoutMs = Math.min(timeoutMs, options.firstGuessTimeoutMs ?? FIRST_GUESS_TIMEOUT_MS);
  framed.maxFrameBytes = HANDSHAKE_FRAME_BYTES;
  let hostNonce = randomNonce();
  let greeting = encodeMessage({
    t: "hello",
    v: PROTOCOL_VERSION,
    app: "rt",
    nonce: hostNonce,
    tries,
    early: options.early ?? true,
  });
  framed.send(greeting);
  for (let attempt = 1;; attempt++) {
    const { message: share, frame: shareFrame } = await nextMessage(
      framed,
      JoinerHandshake,
      attempt === 1 ? firstTimeoutMs : timeoutMs,
      "the password",
    );
    if (share.t !== "share") throw protocolError("share", share.t);
    if (share.v !== PROTOCOL_VERSION) {
      framed.send(encodeMessage({ t: "denied", reason: `rt protocol ${PROTOCOL_VERSION} only` }));
      throw new RtError(
        "version-mismatch",
        `Joiner speaks protocol ${share.v}; this host speaks ${PROTOCOL_VERSION}`,
      );
    }
    // A member coming back proves its resumption secret instead of the password, in one try.
    const resuming = share.resume ?? null;
    if (resuming && attempt > 1) throw protocolError("confirm", "a resumption after a guess");
    if (!resuming) options.newcomer?.();
    options.onGuess?.(attempt);
    const prs = resuming ? options.resumption?.(resuming) ?? null : null;
    if (resuming && !prs) {
      if (options.onUnknownResumption) options.onUnknownResumption();
      else options.onWrongPassword?.(attempt, 0, false);
      framed.send(encodeMessage({ t: "denied", code: "expired", reason: EXPIRED_REASON }));
      throw new RtError("denied", "A resumption the room does not know");
    }
    const input = { password: prs ?? options.password(), greeting, hostNonce, attempt };
    let host: HostAttempt;
    // Asked for (and offered: the share is in the transcript both sides confirm), the host's
    // identity proof goes right behind its reply, sealed with keys only the password gives.
    let early: SecureConnection | null = null;
    try {
      host = HostAttempt.respond(input, shareFrame, share);
      // Until the joiner proves the password, its frames stay as small as a stranger's.
      if (share.early && (options.early ?? true)) {
        early = sealed(framed, host.unconfirmedKeys, "host", false);
      }
      const reply = encodeMessage({ t: "reply", y: host.share, confirm: host.confirm });
      framed.together(() => {
        framed.send(reply);
        if (early) sendIdentity(early, options.identity, "host");
      });
    } catch (error) {
      // The guess was counted before it was answered: settle it as a wrong one.
      options.onWrongPassword?.(attempt, 0, true);
      throw error;
    }
    // From here the joiner can tell whether its guess was right: whatever happens next, this
    // attempt counts as a guess unless it proves the password.
    let answer: JoinerHandshake;
    try {
      ({ message: answer } = await nextMessage(
        framed,
        JoinerHandshake,
        timeoutMs,
        "the password confirmation",
      ));
    } catch (error) {
      options.onWrongPassword?.(attempt, 0, true);
      throw error;
    }
    const keys = answer.t === "confirm" ? host.verify(answer.confirm) : null;
    if (keys) {
      framed.maxFrameBytes = MAX_FRAME_BYTES;
      const secure = early ?? sealed(framed, keys, "host");
      secure.resumed = resuming;
      if (!early) sendIdentity(secure, options.identity, "host");
      return receiveIdentity(secure, "host", timeoutMs);
    }
    const left = answer.t === "share" || resuming ? 0 : tries - attempt;
    options.onWrongPassword?.(attempt, left, false);
    if (answer.t === "share") throw protocolError("confirm", answer.t);
    if (left <= 0) {
      framed.send(
        encodeMessage({ t: "denied", code: "wrong-password", reason: "wrong password" }),
      );
      throw new RtError("denied", `Wrong password ${tries} times`);
    }
    hostNonce = randomNonce();
    greeting = encodeMessage({ t: "retry", nonce: hostNonce, tries: left });
    framed.send(greeting);
  }
}

function sealed(
  framed: FramedConnection,
  keys: SessionKeys,
  side: "host" | "joiner",
  confirmed = true,
) {
  return new SecureConnection(framed, {
    send: side === "host" ? keys.hostToJoiner : keys.joinerToHost,
    receive: side === "host" ? keys.joinerToHost : keys.hostToJoiner,
    id: keys.sessionId,
  }, confirmed);
}

/** What the joiner is told when asked for the password. */
export interface PasswordRequest {
  /** Attempt number, from 1. */
  attempt: number;
  /** Tries left, counting this one. */
  triesLeft: number;
}

/** Options of the joiner side of the handshake. */
export interface JoinOptions {
  /** The joiner's identity key. */
  identity: Identity;
  /** Asks for the password; called again after a wrong one. */
  password: (request: PasswordRequest) => Promise<string>;
  /**
   * Come back to a room instead: prove the resumption secret the host gave at the welcome
   * (`handle`, and its `prs`: see `resumptionPrs`), in one try; the password is not asked.
   */
  resume?: { handle: Uint8Array; prs: Uint8Array };
  /** Called after a wrong password, with the tries left. */
  onWrongPassword?: (triesLeft: number) => void;
  /** Deadline for each message from the host. Default: 60 s. */
  timeoutMs?: number;
  /**
   * Deadline for the host's greeting, the first message (at most `timeoutMs`); rejects with
   * {@link SilentHost} when it passes. Default: 10 s.
   */
  firstAnswerTimeoutMs?: number;
  /**
   * Ask a host that offers it for its identity proof right behind its reply. Default: true;
   * false speaks as an rt before it (tests).
   */
  early?: boolean;
}

/**
 * The joiner side: reads the host's greeting, proves the password (asking again after a wrong
 * one) and returns the sealed connection. Rejects with `denied` after the host's last try,
 * `version-mismatch`, or another `RtError`; the caller closes `framed`.
 */
export async function joinHost(
  framed: FramedConnection,
  options: JoinOptions,
): Promise<SecureConnection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const firstMs = Math.min(timeoutMs, options.firstAnswerTimeoutMs ?? FIRST_ANSWER_TIMEOUT_MS);
  framed.maxFrameBytes = HANDSHAKE_FRAME_BYTES;
  let first: { message: HostHandshake; frame: Uint8Array };
  try {
    first = await nextMessage(framed, HostHandshake, firstMs, "the host");
  } catch (error) {
    if (error instanceof RtError && error.code === "handshake-timeout") {
      throw new SilentHost(Math.round(firstMs / 1000));
    }
    throw error;
  }
  const { message: hello, frame } = first;
  if (hello.t === "denied") throw new Refused(refusalOf(hello.code, null), hello.reason);
  if (hello.t !== "hello") throw protocolError("hello", hello.t);
  if (hello.v !== PROTOCOL_VERSION) {
    throw new RtError(
      "version-mismatch",
      `The host speaks rt protocol ${hello.v}; this rt speaks ${PROTOCOL_VERSION}. Update rt`,
    );
  }
  // The host proves its identity behind its reply when it offers to and this rt asks.
  const early = hello.early === true && (options.early ?? true);
  let greeting = frame;
  let hostNonce = hello.nonce;
  let triesLeft = hello.tries;
  for (let attempt = 1;; attempt++) {
    const resume = options.resume;
    const password = resume ? resume.prs : await options.password({ attempt, triesLeft });
    const joiner = new JoinerAttempt({ password, greeting, hostNonce, attempt });
    const shareFrame = encodeMessage({
      t: "share",
      v: PROTOCOL_VERSION,
      nonce: joiner.nonce,
      y: joiner.share,
      ...(resume ? { resume: resume.handle } : {}),
      ...(early ? { early } : {}),
    });
    framed.send(shareFrame);
    const { message: reply } = await nextMessage(framed, HostHandshake, timeoutMs, "the host");
    if (reply.t === "denied") throw new Refused(refusalOf(reply.code, null), reply.reason);
    if (reply.t !== "reply") throw protocolError("reply", reply.t);
    try {
      const { keys, confirm } = joiner.finish(shareFrame, reply);
      const secure = sealed(framed, keys, "joiner");
      framed.together(() => {
        framed.send(encodeMessage({ t: "confirm", confirm }));
        sendIdentity(secure, options.identity, "joiner");
      });
      // Asked for early, the host's proof is here already: each side checks the other's at the
      // same time, and nothing waits a trip for it.
      return await receiveIdentity(secure, "joiner", timeoutMs);
    } catch (error) {
      if (!(error instanceof RtError && error.code === "wrong-password")) throw error;
    }
    framed.send(encodeMessage({ t: "mismatch" }));
    let nextFrame = await handshakeFrame(framed, timeoutMs, "the host");
    // The host's early proof, sealed with keys of another password, is passed over unread: a
    // sealed frame starts with 0, which no handshake message does (a MessagePack map). Only
    // that: a host that sent none (its `early` stripped on the way) is answered at once.
    if (early && nextFrame[0] === 0) {
      nextFrame = await handshakeFrame(framed, timeoutMs, "the host");
    }
    const next = decodeMessage(HostHandshake, nextFrame);
    // A refusal after a wrong guess: the last try, unless the host says otherwise (blocked).
    if (next.t === "denied") throw new Refused(refusalOf(next.code, "wrong-password"), next.reason);
    if (next.t !== "retry") throw protocolError("retry", next.t);
    greeting = nextFrame;
    hostNonce = next.nonce;
    triesLeft = next.tries;
    options.onWrongPassword?.(triesLeft);
  }
}
