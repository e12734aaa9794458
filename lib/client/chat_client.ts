/**
 * One member in a room, with no terminal: it turns the connection into the events to show,
 * each checked (`RoomView`), and carries out what the member asks (say, write to one member,
 * offer files, trust a key...), each outcome shown as an event too. The terminal, `--json`
 * and tests are its consumers: they pass `show` and call its methods.
 *
 * @module
 */
import type { ClientMessage, RoomMessage } from "../codec/mod.ts";
import { RtError } from "../errors.ts";
import type { ChatEvent } from "../events.ts";
import { Transfers } from "../files/mod.ts";
import { describeError } from "../util/mod.ts";
import { messageParts } from "./long_lines.ts";
import { RoomReader } from "./room_reader.ts";
import type { RoomView } from "./room_view.ts";
import { noSuchMember } from "./seats.ts";
import type { Session } from "./session.ts";
import { duration } from "./freshness.ts";

/** Lines typed while away that are kept to send once back; more are not sent. */
export const MAX_LATE_LINES = 50;
/**
 * How old a line typed while away may be and still be sent once back, in ms: under the
 * five minutes within which others take a message as fresh.
 */
export const MAX_LATE_MS = 4 * 60_000;

/**
 * Room lines sent and not yet seen coming back from the host (it relays each to everyone, its
 * author included), at most: sent again on coming back, since the connection may have died
 * under them before rt knew. The host drops those it had relayed already.
 */
const MAX_UNECHOED = 200;

/** A line typed while away: what goes out once back, and what to say if it does not. */
interface Late {
  message: ClientMessage;
  /** What was typed (for the notice when it is not sent). */
  text: string;
  at: number;
}

/** How the room ended for this member: the host closed it, or the connection failed. */
export type RoomEnd = "closed" | "lost";

/** What a chat client needs besides its session and view. */
export interface ChatClientOptions {
  /** Where every event goes, in order. */
  show(event: ChatEvent): void;
  /** Where received files are saved. */
  downloads: string;
  /** Names whose offers are accepted without asking, when their key is verified. */
  autoAcceptFrom?: string[];
  /** The clock. Default: `Date.now`. */
  now?: () => number;
  /**
   * Whether a lost connection is followed by coming back (`away`, `resume`): then the loss is
   * not said here, the chat says it is reconnecting instead. Default: false.
   */
  reconnects?: boolean;
}

/** A member's chat over one session. */
export class ChatClient {
  #session: Session;
  readonly #view: RoomView;
  readonly #show: (event: ChatEvent) => void;
  readonly #transfers: Transfers;
  #reader: RoomReader;
  readonly #now: () => number;
  readonly #reconnects: boolean;
  /** Whether the welcome was shown (once, not again on coming back). */
  #welcomed = false;
  /** Room lines sent, by number, until the host relays them back (see {@link MAX_UNECHOED}). */
  readonly #unechoed = new Map<number, Late>();
  /** While the connection is down: since when, and the lines typed meanwhile. */
  #away: { since: number; late: Late[]; dropped: number } | null = null;
  #running: Promise<RoomEnd | null> | null = null;
  /** Who `say` writes to: one member's name (`talkTo`), or `null` for the room. */
  #talkingTo: string | null = null;

  constructor(session: Session, view: RoomView, options: ChatClientOptions) {
    this.#session = session;
    this.#view = view;
    this.#show = options.show;
    this.#now = options.now ?? Date.now;
    this.#reconnects = options.reconnects ?? false;
    this.#reader = new RoomReader(session);
    this.#transfers = new Transfers({
      peers: view,
      // Through whichever session is current; none while away (transfers stop meanwhile, and
      // carry on once back).
      link: {
        send: (message) => {
          if (this.#away) throw new RtError("connection-closed", "The connection dropped");
          try {
            this.#session.send(message);
          } catch (error) {
            // A frame lost as the connection drops, before rt knows it did, does not end its
            // transfer: that stops when rt says it is away, and carries on once back.
            if (message.t !== "data" || !this.#reconnects) throw error;
          }
        },
        ready: (to) => this.#session.ready(to),
      },
      downloads: options.downloads,
      autoAcceptFrom: options.autoAcceptFrom,
      show: options.show,
    });
  }

  /**
   * Shows the welcome, then what the room says until it closes or the connection fails (which
   * is said first); `null` when `close` came first. Rejects only on a bug in rt.
   */
  run(): Promise<RoomEnd | null> {
    this.#running ??= this.#follow();
    return this.#running;
  }

  /**
   * The connection dropped and rt is coming back: lines typed from now on wait for `resume`
   * (see {@link MAX_LATE_LINES}, {@link MAX_LATE_MS}); file transfers under way stop, to carry
   * on once back.
   */
  away(): void {
    if (this.#away) return;
    this.#away = { since: this.#now(), late: [], dropped: 0 };
    this.#transfers.linkDropped();
  }

  /** Whether the connection is down (see `away`). */
  get isAway(): boolean {
    return this.#away !== null;
  }

  /**
   * Back in the room on `session`, whose host welcomed this member back: what changed while
   * away is shown, the lines typed meanwhile go out in order (those too old not, said so), file
   * transfers that stopped carry on, and `run()` follows the room again. `false` (nothing
   * changed) when the welcome is not for this seat of this room: a new room, which this member
   * does not join silently.
   */
  resume(session: Session, welcome: Extract<RoomMessage, { t: "welcome" }>): boolean {
    const changes = this.#view.rejoined(welcome);
    if (!changes) return false;
    const away = this.#away ?? { since: this.#now(), late: [], dropped: 0 };
    this.#away = null;
    this.#session = session;
    this.#reader = new RoomReader(session);
    this.#running = null;
    // Who left meanwhile ends their transfers and `/dm` as a leave seen live would: what is
    // said next must not go to someone else who took the name.
    for (const event of changes) this.#roomEvent(event);
    let late = 0;
    let dropped = away.dropped;
    // Sealed to whoever had the name when typed: if they left meanwhile, someone else may
    // have it now, and must not be handed (or shown as forged) what was meant for them.
    const gone = new Set(changes.flatMap((e) => e.type === "left" ? [e.name] : []));
    // First what went out on the dead connection and never came back, then what was typed.
    const unechoed = [...this.#unechoed.values()];
    this.#unechoed.clear();
    for (const line of [...unechoed, ...away.late]) {
      const to = line.message.t === "dm" ? line.message.to : null;
      const why = this.#now() - line.at > MAX_LATE_MS
        ? "it was typed too long ago"
        : to !== null && gone.has(to)
        ? `${to} left the room while you were away`
        : null;
      if (why) {
        dropped++;
        this.#notSent(line.text, why);
        continue;
      }
      this.#send(line.message);
      late++;
    }
    const awayMs = welcome.away ?? this.#now() - away.since;
    this.#show({
      type: "reconnected",
      awayMs,
      late,
      dropped,
      text: backText(awayMs, late, dropped),
    });
    // Transfers that stopped carry on (those with members who left meanwhile not: see above).
    this.#transfers.linkBack();
    return true;
  }

  /**
   * Stops following the room (nothing more is shown of it; `run()` gives `null` once the
   * session is closed) and ends the transfers.
   */
  async close(): Promise<void> {
    this.#reader.stop();
    await this.#transfers.close();
  }

  // ---- what the member asks -------------------------------------------------------------

  /** Says `text` to the room, or to the member talked to (`talkTo`); `me`: as an action. */
  say(text: string, me = false): void {
    this.#speak(text, me, this.#talkingTo);
  }

  /** Sends `text` to `name` alone, sealed so that nobody else can read it. */
  direct(name: string, text: string): void {
    this.#speak(text, false, name);
  }

  /** What `say` sends from now on goes to `name` alone; `null`: to the room again. */
  talkTo(name: string | null): void {
    const found = name === null ? null : this.#view.nameOf(name);
    if (found === undefined) return this.#show(noSuchMember(name!));
    this.#talkingTo = found;
    this.#show({ type: "dm-target", to: found });
  }

  /** Asks the room who is in it. */
  who(): void {
    this.#send({ t: "who" });
  }

  /** Shows what is known of a member (`address`: theirs, which only the host can tell). */
  whois(name: string, address?: string): void {
    this.#show(this.#view.whois(name, address));
  }

  /** Shows the safety code to compare with `name`. */
  verify(name: string): void {
    this.#show(this.#view.safetyCode(name));
  }

  /** Marks `name`'s key as verified. */
  trust(name: string): void {
    this.#show(this.#view.trust(name));
  }

  /** Offers files to `to` (a member, or `all`). */
  sendFiles(to: string, paths: string[]): void {
    this.#background(this.#transfers.send(to, paths));
  }

  /** Accepts an offer (`id` may be left out when only one is waiting). */
  accept(id?: number): void {
    this.#background(this.#transfers.accept(id));
  }

  /** Turns down an offer. */
  reject(id?: number): void {
    this.#transfers.reject(id);
  }

  /** Stops a transfer, either way. */
  cancel(id: number): void {
    this.#transfers.cancel(id);
  }

  /** Shows every transfer of this session. */
  listTransfers(): void {
    this.#show(this.#transfers.list());
  }

  // ---- the room ---------------------------------------------------------------------------

  async #follow(): Promise<RoomEnd | null> {
    if (!this.#welcomed) { for (const event of this.#view.welcomeEvents()) this.#show(event); }
    this.#welcomed = true;
    const read = await this.#reader.read((message) => this.#receive(message));
    if (read.end === "stopped") return null;
    if (read.end === "lost" && !this.#reconnects) {
      this.#show({ type: "error", code: "connection-lost", message: `Lost the room: ${read.why}` });
    }
    return read.end;
  }

  #receive(message: RoomMessage): void {
    if (message.t === "said" && message.from === this.#view.self) {
      for (const seq of this.#unechoed.keys()) if (seq <= message.seq) this.#unechoed.delete(seq);
    }
    if (message.t === "file") return this.#background(this.#transfers.receiveFile(message));
    if (message.t === "data") return this.#transfers.receiveData(message);
    for (const event of this.#view.receive(message)) this.#roomEvent(event);
  }

  /** Shows what happened in the room; one who left takes their transfers and `/dm` with them. */
  #roomEvent(event: ChatEvent): void {
    this.#show(event);
    if (event.type !== "left") return;
    this.#transfers.left(event.name);
    if (event.name === this.#talkingTo) this.talkTo(null);
  }

  // ---- sending ----------------------------------------------------------------------------

  #speak(text: string, me: boolean, to: string | null): void {
    const cut = messageParts(text);
    if ("refused" in cut) return this.#show(cut.refused);
    const outgoing: { message: ClientMessage; event?: ChatEvent }[] = [];
    for (const part of cut.parts) {
      if (to === null) {
        outgoing.push({ message: this.#view.say(part, me) });
        continue;
      }
      const direct = this.#view.direct(to, part, me);
      if ("error" in direct) {
        return this.#show({ type: "error", code: "no-such-member", message: direct.error });
      }
      outgoing.push(direct);
    }
    if (cut.notice) this.#show(cut.notice);
    for (const [i, { message, event }] of outgoing.entries()) {
      this.#send(message, cut.parts[i]);
      if (event) this.#show(event);
    }
  }

  #send(message: ClientMessage, text = ""): void {
    if (this.#away) {
      if (this.#away.late.length < MAX_LATE_LINES) {
        this.#away.late.push({ message, text, at: this.#now() });
      } else {
        this.#away.dropped++;
        this.#notSent(text, `rt keeps at most ${MAX_LATE_LINES} lines while away`);
      }
      return;
    }
    if (message.t === "say" && this.#reconnects) {
      this.#unechoed.set(message.seq, { message, text, at: this.#now() });
      if (this.#unechoed.size > MAX_UNECHOED) {
        this.#unechoed.delete(this.#unechoed.keys().next().value!);
      }
    }
    try {
      this.#session.send(message);
    } catch (error) {
      this.#show({ type: "error", code: "send-failed", message: describeError(error) });
    }
  }

  #notSent(text: string, why: string): void {
    const what = text ? `"${text.length > 60 ? `${text.slice(0, 57)}...` : text}"` : "A line";
    this.#show({ type: "error", code: "not-sent", message: `Not sent: ${what} (${why}).` });
  }

  /** Work that goes on after the command that started it: its failure is shown. */
  #background(work: Promise<void>): void {
    work.catch((error) => {
      this.#show({ type: "error", code: "file-transfer", message: describeError(error) });
    });
  }
}

/** What is said on coming back: how long rt was away, and what became of the lines typed. */
function backText(awayMs: number, late: number, dropped: number): string {
  const away = awayMs < 60_000 ? `${Math.max(1, Math.round(awayMs / 1000))} s` : duration(awayMs);
  const parts = [
    `Reconnected after ${away}; what was said meanwhile is not shown (no history is kept).`,
  ];
  if (late > 0) parts.push(`${late} line${late === 1 ? "" : "s"} typed meanwhile sent now.`);
  if (dropped > 0) parts.push(`${dropped} not sent (see above).`);
  return parts.join(" ");
}
