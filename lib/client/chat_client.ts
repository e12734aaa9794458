/**
 * One member in a room, with no terminal: it turns the connection into the events to show,
 * each checked (`RoomView`), and carries out what the member asks (say, write to one member,
 * offer files, trust a key...), each outcome shown as an event too. The terminal, `--json`
 * and tests are its consumers: they pass `show` and call its methods.
 *
 * @module
 */
import type { ClientMessage, RoomMessage } from "../codec/mod.ts";
import type { ChatEvent } from "../events.ts";
import { Transfers } from "../files/mod.ts";
import { describeError } from "../util/mod.ts";
import { messageParts } from "./long_lines.ts";
import { RoomReader } from "./room_reader.ts";
import type { RoomView } from "./room_view.ts";
import { noSuchMember } from "./seats.ts";
import type { Session } from "./session.ts";

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
}

/** A member's chat over one session. */
export class ChatClient {
  readonly #session: Session;
  readonly #view: RoomView;
  readonly #show: (event: ChatEvent) => void;
  readonly #transfers: Transfers;
  readonly #reader: RoomReader;
  #running: Promise<RoomEnd | null> | null = null;
  /** Who `say` writes to: one member's name (`talkTo`), or `null` for the room. */
  #talkingTo: string | null = null;

  constructor(session: Session, view: RoomView, options: ChatClientOptions) {
    this.#session = session;
    this.#view = view;
    this.#show = options.show;
    this.#reader = new RoomReader(session);
    this.#transfers = new Transfers({
      peers: view,
      link: session,
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
    for (const event of this.#view.welcomeEvents()) this.#show(event);
    const read = await this.#reader.read((message) => this.#receive(message));
    if (read.end === "stopped") return null;
    if (read.end === "lost") {
      this.#show({ type: "error", code: "connection-lost", message: `Lost the room: ${read.why}` });
    }
    return read.end;
  }

  #receive(message: RoomMessage): void {
    if (message.t === "file") return this.#background(this.#transfers.receiveFile(message));
    if (message.t === "data") return this.#transfers.receiveData(message);
    for (const event of this.#view.receive(message)) {
      this.#show(event);
      if (event.type !== "left") continue;
      this.#transfers.left(event.name);
      if (event.name === this.#talkingTo) this.talkTo(null);
    }
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
    for (const { message, event } of outgoing) {
      this.#send(message);
      if (event) this.#show(event);
    }
  }

  #send(message: ClientMessage): void {
    try {
      this.#session.send(message);
    } catch (error) {
      this.#show({ type: "error", code: "send-failed", message: describeError(error) });
    }
  }

  /** Work that goes on after the command that started it: its failure is shown. */
  #background(work: Promise<void>): void {
    work.catch((error) => {
      this.#show({ type: "error", code: "file-transfer", message: describeError(error) });
    });
  }
}
