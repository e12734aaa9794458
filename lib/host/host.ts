/**
 * Bridges the network to the room: the gate in front (blocks, locks, caps), the handshake,
 * then each authenticated member's messages pumped into the room at a bounded rate. The one
 * place that knows both sockets and the room.
 *
 * @module
 */
import {
  ClientDataHeader,
  ClientMessage,
  dataHeader,
  decodeBulk,
  decodeMessage,
  encodeMessage,
} from "../codec/messages.ts";
import { RtError } from "../errors.ts";
import { toHex } from "../handshake/bytes.ts";
import type { Identity } from "../identity/keys.ts";
import type { Room } from "../room/room.ts";
import { type BlockEntry, Blocklist } from "../store/blocklist.ts";
import {
  acceptJoiner,
  HANDSHAKE_FRAME_BYTES,
  type RefusalCode,
  SecureConnection,
} from "../transport/secure.ts";
import { FramedConnection, toRtError } from "../transport/framed.ts";
import { type Accepted, type Listening, listenTcp } from "../transport/tcp.ts";
import { type AddressInfo, formatAddressInfo } from "./address_info.ts";
import { addressKey, isLoopback } from "./address_key.ts";
import { type Admission, Gate, type NewBlock, type Refusal, type Route } from "./gate.ts";
import { nameKey } from "../room/names.ts";
import { TokenBucket } from "./rate.ts";

/**
 * A broadcast hands the same message object to every member's link: encode it once, not once
 * per member (measured: a fifth of the host's time in a busy room of 50).
 */
const encodings = new WeakMap<object, Uint8Array>();

function encodeOnce(message: object): Uint8Array {
  let bytes = encodings.get(message);
  if (!bytes) {
    bytes = encodeMessage(message);
    encodings.set(message, bytes);
  }
  return bytes;
}

/** A recipient's queue above this makes the relay of file chunks wait for it. */
const RELAY_QUEUE_BYTES = 1024 * 1024;
/**
 * A recipient the relay waited for this long within `RELAY_PERIOD_MS` (in all, whoever was
 * waiting) is dropped: it takes file data too slowly, and the senders' connections stood still
 * meanwhile. Senders pace themselves, so an honest recipient hardly ever makes the relay wait.
 */
const RELAY_WAIT_BUDGET_MS = 10_000;
const RELAY_PERIOD_MS = 30_000;

/** How long the relay has waited for one recipient lately. */
interface RelayWaits {
  /** Relays waiting for it now, and since when the first of them has. */
  waiting: number;
  since: number;
  /** Time spent waiting in the current period, and when the period began. */
  spent: number;
  period: number;
}

/** What a member who came through the room's onion service is known by, instead of an address. */
export const ONION_ADDRESS = "onion";

/**
 * Most connections accepted and not in the room at once (at the gate, in the handshake, or
 * being turned away), over every listener; more wait in the system's queue. Well above the
 * handshake cap (`maxPending`, 64), so that joiners past it are still told the room is busy.
 */
const MAX_STRANGERS = 256;

/** Handshake failures that show the peer is not an rt joiner (or is gone already). */
const NOT_A_JOINER = new Set([
  "message-invalid",
  "frame-too-large",
  "frame-truncated",
  "handshake-protocol",
  "handshake-invalid-share",
  "connection-closed",
]);

/** Notices about connections that have not proven the password: a burst, then a few a second. */
const CONNECTION_NOTICE_BURST = 250;
const CONNECTION_NOTICES_PER_SECOND = 5;

/** Something the host's operator should know about a connection. */
export interface HostNotice {
  /**
   * Stable code: `wrong-password`, `denied`, `blocked`, `refused`, `banned`, `flood`,
   * `dropped`, `handshake-timeout`, `frame-too-large`, `guess-budget` (the room's budget of
   * wrong passwords ran out), `suppressed` (notices about connections left out)...
   */
  code: string;
  /** For people. */
  text: string;
  /** The peer's address (`onion` for a joiner through the room's onion service). */
  address: string;
  /** What is known about the address (reverse name, country, network owner). */
  info?: AddressInfo;
}

/** The host's limits; each has a default fit for a room of friends on the Internet. */
export interface HostLimits {
  /** Members at once. Default: 100. */
  maxMembers?: number;
  /** Connections still in the handshake, in all. Default: 64. */
  maxPending?: number;
  /** Connections still in the handshake from one address (IPv6: one /64). Default: 8. */
  maxPendingPerAddress?: number;
  /** Connections through the onion service still in the handshake. Default: 16. */
  maxPendingOnion?: number;
  /** Wrong guesses from one address before it is blocked. Default: 6. */
  blockAfterGuesses?: number;
  /** The room's wrong guesses at once, from anywhere. Default: 30. */
  roomGuesses?: number;
  /** The room gets one more wrong guess after this long, in ms. Default: 2 minutes. */
  roomGuessIntervalMs?: number;
  /** Messages per second one member may send, sustained. Default: 10. */
  messagesPerSecond?: number;
  /** Messages one member may send in a burst. Default: 30. */
  messageBurst?: number;
  /** Bytes waiting for one member before it is dropped as stalled. Default: 2 MiB. */
  maxQueueBytes?: number;
  /**
   * How long the relay of file chunks may wait for one recipient within 30 s before that
   * recipient is dropped, in ms. Default: 10 s.
   */
  relayWaitMs?: number;
}

/** Options of a hosted room's listener. */
export interface HostOptions {
  /** The room password now. */
  password: () => string;
  /** The host's identity key. */
  identity: Identity;
  /** Address to bind; default: every interface. */
  bind?: string;
  /** Port; default: a free one. */
  port?: number;
  /** Listen with TLS, with this certificate chain and key (PEM). */
  tls?: { cert: string; key: string };
  /** Password tries per connection. Default: 3. */
  tries?: number;
  /** Deadline for each handshake message, in ms. Default: 60 s. */
  handshakeTimeoutMs?: number;
  /** Deadline for a joiner's first guess, in ms (at most the above). Default: 10 s. */
  firstGuessTimeoutMs?: number;
  /**
   * Also listen on a port of its own on 127.0.0.1 for the room's onion service (`onionPort`):
   * joiners there all come from Tor's loopback address, and are not judged by it.
   */
  onion?: boolean;
  /** Deadline for choosing a name once authenticated, in ms. Default: 5 min. */
  nameTimeoutMs?: number;
  /** Blocked addresses and banned keys. Default: an empty one in memory. */
  blocklist?: Blocklist;
  limits?: HostLimits;
  /** Describes an address for notices (reverse name, IP database). Default: nothing. */
  describe?: (address: string) => Promise<AddressInfo>;
  /** Called for each notice, in order. */
  onNotice: (notice: HostNotice) => void;
}

/** A room reachable over TCP. */
export class RoomHost {
  readonly #room: Room;
  readonly #options: HostOptions;
  readonly #limits: Required<HostLimits>;
  readonly #listening: Listening;
  readonly #onion: Listening | null;
  readonly #gate: Gate;
  readonly #blocklist: Blocklist;
  readonly #connections = new Set<FramedConnection>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #acceptLoops: Promise<void>[];
  #notices: Promise<void> = Promise.resolve();
  readonly #connectionNotices = new TokenBucket(
    CONNECTION_NOTICES_PER_SECOND,
    CONNECTION_NOTICE_BURST,
  );
  /** Notices about connections left out since the last one shown. */
  #suppressed = 0;
  /** Connections accepted and not in the room (yet): at the gate or in the handshake. */
  #strangers = 0;
  /** Accept loops waiting for `#strangers` to drop under `MAX_STRANGERS`. */
  #strangerLeft: (() => void)[] = [];
  /** How long the relay of file chunks has waited for each recipient (by name key). */
  readonly #relayWaits = new Map<string, RelayWaits>();

  private constructor(
    room: Room,
    options: HostOptions,
    listening: Listening,
    onion: Listening | null,
  ) {
    this.#room = room;
    this.#options = options;
    const l = options.limits ?? {};
    this.#limits = {
      maxMembers: l.maxMembers ?? 100,
      maxPending: l.maxPending ?? 64,
      maxPendingPerAddress: l.maxPendingPerAddress ?? 8,
      maxPendingOnion: l.maxPendingOnion ?? 16,
      blockAfterGuesses: l.blockAfterGuesses ?? 6,
      roomGuesses: l.roomGuesses ?? 30,
      roomGuessIntervalMs: l.roomGuessIntervalMs ?? 2 * 60_000,
      messagesPerSecond: l.messagesPerSecond ?? 10,
      messageBurst: l.messageBurst ?? 30,
      maxQueueBytes: l.maxQueueBytes ?? 2 * 1024 * 1024,
      relayWaitMs: l.relayWaitMs ?? RELAY_WAIT_BUDGET_MS,
    };
    this.#blocklist = options.blocklist ?? Blocklist.inMemory();
    this.#gate = new Gate(this.#blocklist, this.#limits);
    this.#listening = listening;
    this.#onion = onion;
    this.#acceptLoops = [this.#accept(listening, "direct")];
    if (onion) this.#acceptLoops.push(this.#accept(onion, "onion"));
  }

  /** Starts listening. Throws when a port cannot be bound. */
  static start(room: Room, options: HostOptions): RoomHost {
    const listening = listenTcp({ bind: options.bind, port: options.port, tls: options.tls });
    let onion: Listening | null = null;
    try {
      if (options.onion) onion = listenTcp({ bind: "127.0.0.1", port: 0, tls: options.tls });
    } catch (error) {
      listening.close();
      throw error;
    }
    return new RoomHost(room, options, listening, onion);
  }

  /** The port the onion service forwards to (on 127.0.0.1), when asked for. */
  get onionPort(): number | null {
    return this.#onion?.port ?? null;
  }

  /** The port in use. */
  get port(): number {
    return this.#listening.port;
  }

  /** The addresses bound. */
  get bound(): string[] {
    return this.#listening.bound;
  }

  /** Connections still in the handshake. */
  get pending(): number {
    return this.#gate.pending;
  }

  /**
   * Queues a notice; it is delivered once the address is described (a second or two at most).
   * Notices about connections that have not proven the password (`limited`) come at a bounded
   * rate, whatever arrives: those over it are counted and said in one line with the next.
   */
  #notice(code: string, text: string, address: string, limited = false): void {
    if (limited) {
      if (this.#connectionNotices.take() > 0) {
        this.#suppressed++;
        return;
      }
      if (this.#suppressed > 0) {
        const n = this.#suppressed;
        this.#suppressed = 0;
        this.#queueNotice(
          "suppressed",
          `${n} more notice${n === 1 ? "" : "s"} about connections ${
            n === 1 ? "was" : "were"
          } left out: too many connections at once`,
          address,
          false,
        );
      }
    }
    this.#queueNotice(code, text, address, true);
  }

  #queueNotice(code: string, text: string, address: string, described: boolean): void {
    const describe = described && address !== ONION_ADDRESS ? this.#options.describe : undefined;
    const info = describe ? describe(address).catch(() => ({})) : Promise.resolve(undefined);
    this.#notices = this.#notices.then(async () => {
      const known = await info;
      const details = known ? formatAddressInfo(known) : "";
      this.#options.onNotice({
        code,
        text: details ? `${text} [${details}]` : text,
        address,
        ...(known && Object.keys(known).length > 0 ? { info: known } : {}),
      });
    });
  }

  async #accept(listening: Listening, route: Route): Promise<void> {
    for await (const accepted of listening.accept()) {
      this.#strangers++;
      const task = this.#serve(accepted, route).catch(() => {});
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
      // Each connection not yet in the room costs memory until it is closed, and a flood can
      // open them faster than they are turned away: at the cap, accept no more until one is
      // done (the rest wait in the system's queue, which has its own bound).
      while (this.#strangers >= MAX_STRANGERS) {
        await new Promise<void>((resolve) => this.#strangerLeft.push(resolve));
      }
    }
  }

  /** A connection accepted and not (or no longer) on its way into the room is done. */
  #strangerDone(): void {
    this.#strangers--;
    const waiting = this.#strangerLeft;
    this.#strangerLeft = [];
    for (const wake of waiting) wake();
  }

  async #serve({ conn, address }: Accepted, route: Route): Promise<void> {
    // Frames before authentication are small: so is the read buffer until then.
    const framed = new FramedConnection(conn, {
      maxQueuedBytes: this.#limits.maxQueueBytes,
      maxFrameBytes: HANDSHAKE_FRAME_BYTES,
    });
    this.#connections.add(framed);
    const who = route === "onion" ? ONION_ADDRESS : address;
    let stranger = true;
    try {
      const admission = this.#gate.admit(address, route);
      const full = this.#room.size >= this.#limits.maxMembers;
      if ("code" in admission || full) {
        if (!("code" in admission)) admission.release();
        const refusal: Refusal = "code" in admission
          ? admission
          : { code: "full", reason: `the room is full (${this.#limits.maxMembers} members)` };
        this.#refuse(framed, refusal, who, "");
        await framed.end(500);
        return;
      }
      let secure: SecureConnection;
      try {
        secure = await this.#handshake(framed, who, admission);
      } finally {
        admission.release();
      }
      stranger = false;
      this.#strangerDone();
      await this.#member(secure, who);
    } catch {
      framed.close();
    } finally {
      this.#connections.delete(framed);
      if (stranger) this.#strangerDone();
    }
  }

  /** Sends the joiner a refusal, and tells the host (a blocked address quietly). */
  #refuse(framed: FramedConnection, refusal: Refusal, who: string, what: string): void {
    framed.send(encodeMessage({ t: "denied", code: refusal.code, reason: refusal.reason }));
    if (refusal.budgetRanOut !== undefined) this.#budgetNotice(refusal.budgetRanOut, who);
    // A blocked address is refused quietly: the host was told when it was blocked.
    if (refusal.code === "blocked") return;
    this.#notice("refused", `Turned away ${what}${this.#from(who)}: ${refusal.reason}`, who, true);
  }

  /** `127.0.0.1`, or "a joiner through Tor". */
  #from(who: string, start = false): string {
    if (who === ONION_ADDRESS) return start ? "A joiner through Tor" : "a joiner through Tor";
    return who;
  }

  #budgetNotice(spent: number, who: string): void {
    this.#notice(
      "guess-budget",
      `${spent} wrong passwords were tried in this room lately, from any address: someone may ` +
        "be guessing the room's password. Nobody's password is checked for a while now (the " +
        "wait grows each time this happens). /lock keeps everyone new out; /password makes a " +
        "new password, which ends the wait (tell it to the people you still expect).",
      who,
    );
  }

  /** Tells the host of blocks made by wrong guesses; returns what the joiner is told. */
  #blocked(blocks: NewBlock[], who: string): string {
    let told = "";
    for (const b of blocks) {
      if (b.kept) {
        this.#notice(
          "blocked",
          `Blocked ${b.address} after ${b.guesses} wrong passwords; /unblock ${b.address} lifts it`,
          who,
        );
        told = "too many wrong passwords came from your address: the host has blocked it";
      } else {
        const minutes = Math.ceil((b.forMs ?? 60_000) / 60_000);
        const span = `${minutes} minute${minutes === 1 ? "" : "s"}`;
        this.#notice(
          "blocked",
          `${b.guesses} wrong passwords from this computer (${b.address}): its guesses wait ` +
            `${span} (not kept when the room closes; /unblock ${b.address} lifts it now)`,
          who,
        );
        told = `too many wrong passwords came from your address: it may try again in ${span}`;
      }
    }
    return told;
  }

  async #handshake(
    framed: FramedConnection,
    who: string,
    admission: Admission,
  ): Promise<SecureConnection> {
    const tries = this.#options.tries ?? 3;
    const from = this.#from(who);
    try {
      const secure = await acceptJoiner(framed, {
        password: this.#options.password,
        identity: this.#options.identity,
        tries,
        timeoutMs: this.#options.handshakeTimeoutMs,
        firstGuessTimeoutMs: this.#options.firstGuessTimeoutMs,
        onGuess: () => {
          // Counted before it is answered: parallel connections share the budgets.
          const refusal = this.#gate.guess(admission);
          if (!refusal) return;
          this.#refuse(framed, refusal, who, "a password guess from ");
          throw new RtError("denied", "Blocked");
        },
        onWrongPassword: (attempt, left, abandoned) => {
          const { guesses, blocks } = this.#gate.wrongGuess(admission);
          const count = who === ONION_ADDRESS ? "" : `guess ${guesses} from this address`;
          this.#notice(
            "wrong-password",
            abandoned
              ? `${this.#from(who, true)} went away after a password guess` +
                (count ? ` (${count})` : "")
              : `Wrong password from ${from} (try ${attempt}; ${left} left on this connection` +
                (count ? `; ${count})` : ")"),
            who,
          );
          const told = this.#blocked(blocks, who);
          if (told && !abandoned) {
            const code: RefusalCode = "blocked";
            framed.send(encodeMessage({ t: "denied", code, reason: told }));
            throw new RtError("denied", "Blocked");
          }
        },
      });
      this.#gate.succeeded(admission);
      const ban = this.#blocklist.bannedKey(secure.peerKey);
      if (ban) {
        secure.send(encodeMessage({ t: "closed", reason: "you are banned from this room" }));
        this.#notice("banned", `Turned away ${ban.name ?? "a banned key"} from ${from}`, who);
        await secure.end(500);
        throw new RtError("denied", "Banned");
      }
      return secure;
    } catch (error) {
      const e = toRtError(error);
      if (!this.#room.closed && e.message !== "Blocked" && e.message !== "Banned") {
        if (e.code === "denied") {
          this.#notice("denied", `Disconnected ${from} after ${tries} wrong passwords`, who);
        } else {
          this.#notice(
            e.code,
            `Closed connection from ${from} during the handshake: ${e.message}`,
            who,
            true,
          );
        }
      }
      // Bytes that are not rt's handshake: nobody there to tell anything, so cut it off at
      // once. Waiting for such a peer to close held the connection (and its slot) for up to
      // half a second each, which a flood of garbage connections turned into memory.
      if (NOT_A_JOINER.has(e.code)) framed.close();
      else await framed.end(500);
      throw e;
    }
  }

  async #member(secure: SecureConnection, address: string): Promise<void> {
    const membership = this.#room.connect({
      deliver: (message) =>
        message.t === "data"
          ? secure.sendBulk(encodeMessage(dataHeader(message)), message.body)
          : secure.send(encodeOnce(message)),
      disconnect: () => void secure.end(1000),
      ready: () => secure.hasRoom(RELAY_QUEUE_BYTES),
    }, { address, key: secure.peerKey });
    const nameTimeoutMs = this.#options.nameTimeoutMs ?? 5 * 60_000;
    const bucket = new TokenBucket(this.#limits.messagesPerSecond, this.#limits.messageBurst);
    let lastFloodNotice = -Infinity;
    let said = "lost" as "quit" | "lost";
    try {
      while (true) {
        const frame = await secure.receiveFrame(
          membership.name === null ? nameTimeoutMs : undefined,
        );
        if (frame === null) break;
        const message = frame.body === null
          ? decodeMessage(ClientMessage, frame.plaintext)
          : decodeBulk(ClientDataHeader, frame.plaintext, frame.body);
        if (message.t === "data") {
          // Bulk data is not held to the message rate; it is paced by its recipient instead:
          // stop reading from the sender until the recipient's queue is short again. One
          // that reads nothing for a long time is dropped as stalled (and the sender freed).
          // Checked again after each wait: several senders woken at once by one recipient
          // must not all deliver, or together they would overflow its queue.
          for (let ready = membership.readyFor(message.to); ready;) {
            if (!(await this.#recipientReady(ready, message.to))) break;
            ready = membership.readyFor(message.to);
          }
          membership.receive(message);
          continue;
        }
        if (message.t === "say" || message.t === "dm" || message.t === "file") {
          // Over the rate: stop reading from this member until it may speak again, so its own
          // connection backs up and nobody else waits. `take()` only says how long until a
          // token is there: wait, then take it (relaying after the wait without taking one let
          // twice the rate through).
          for (let wait = bucket.take(); wait > 0; wait = bucket.take()) {
            if (performance.now() - lastFloodNotice > 30_000) {
              lastFloodNotice = performance.now();
              this.#notice(
                "flood",
                `${membership.name} (${address}) sends faster than ${this.#limits.messagesPerSecond} ` +
                  "messages a second and is slowed down",
                address,
              );
            }
            await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }
        if (message.t === "bye") said = "quit";
        membership.receive(message);
        if (said === "quit") break;
      }
    } catch (error) {
      const e = toRtError(error);
      if (!this.#room.closed && !(e.code === "connection-closed" && said === "quit")) {
        const who = membership.name ? `${membership.name} (${address})` : address;
        this.#notice(e.code, `Closed connection from ${who}: ${e.message}`, address);
      }
      secure.close(e instanceof RtError ? e : undefined);
    }
    membership.leave(said);
  }

  /**
   * Waits for a recipient to have room; one that does not for too long is dropped (then
   * `false`).
   */
  async #recipientReady(ready: Promise<void>, name: string): Promise<boolean> {
    const key = nameKey(name);
    const now = performance.now();
    let waits = this.#relayWaits.get(key);
    if (!waits || (waits.waiting === 0 && now - waits.period > RELAY_PERIOD_MS)) {
      waits = { waiting: 0, since: now, spent: 0, period: now };
      this.#relayWaits.set(key, waits);
    }
    if (waits.waiting++ === 0) waits.since = now;
    const left = this.#limits.relayWaitMs - waits.spent - (now - waits.since);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<"stalled">((resolve) => {
      timer = setTimeout(() => resolve("stalled"), Math.max(0, left));
    });
    const outcome = await Promise.race([ready, stalled]);
    clearTimeout(timer);
    if (--waits.waiting === 0) waits.spent += performance.now() - waits.since;
    if (outcome !== "stalled") return true;
    this.#relayWaits.delete(key);
    this.#room.remove(name, "you take file data too slowly; the room waited for you too long");
    return false;
  }

  // ---- what the host can do -----------------------------------------------------------

  /** Blocks and bans in force: those kept across restarts, then this computer's back-offs. */
  blocked(): BlockEntry[] {
    return [...this.#blocklist.list(), ...this.#gate.backOffs()];
  }

  /** Lifts blocks (and back-offs) by address, prefix, name or key prefix. */
  unblock(what: string): BlockEntry[] {
    const key = addressKey(what);
    const lifted = this.#blocklist.remove(key);
    const backOff = this.#gate.liftBackOff(key);
    if (backOff) lifted.push(backOff);
    return lifted.length > 0 ? lifted : this.#blocklist.remove(what);
  }

  /** The room has a new password: the room's budget of wrong guesses is full again. */
  passwordChanged(): void {
    this.#gate.passwordChanged();
  }

  /** Removes a member. Returns their name and address, or `null` when nobody has that name. */
  kick(name: string): { name: string; address?: string } | null {
    // The host's own command says what was done: no notice of it here as well.
    return this.#room.remove(name, "the host removed you from the room");
  }

  /** Removes a member and bans their address and key. */
  ban(name: string): BlockEntry | null {
    const removed = this.#room.remove(name, "the host banned you from this room");
    if (!removed) return null;
    // Only the key of someone on this computer or through Tor: their address is everyone's.
    const shared = !removed.address || removed.address === ONION_ADDRESS ||
      isLoopback(removed.address);
    const entry = this.#blocklist.add({
      address: shared ? null : addressKey(removed.address!),
      key: toHex(removed.key),
      name: removed.name,
      reason: "banned by the host",
    });
    return entry;
  }

  /** Refuses (or again accepts) new joiners. */
  set locked(locked: boolean) {
    this.#gate.locked = locked;
  }

  get locked(): boolean {
    return this.#gate.locked;
  }

  /** Closes the room for everyone, flushes the goodbyes, and stops listening. */
  async close(): Promise<void> {
    this.#listening.close();
    this.#onion?.close();
    this.#room.close();
    for (const framed of this.#connections) void framed.end(1000);
    await Promise.all(this.#acceptLoops);
    await Promise.allSettled([...this.#tasks]);
    await this.#notices;
    await this.#blocklist.flush();
  }
}
