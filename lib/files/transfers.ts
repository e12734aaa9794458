/**
 * Every file transfer of one member: the shell around the pure core (`transfer_step.ts`). It
 * takes what the user does and what the room says, asks the core what follows, and does it:
 * seals and sends control messages and frames, reads and writes the files (`outgoing.ts`,
 * `incoming.ts`), runs the progress timer, and shows events. Knows the room only through the
 * member's view of it (sealing, opening, who is here) and a link to send on.
 *
 * @module
 */
import { CAN_STREAMED_OFFERS, type ClientMessage, type RoomMessage } from "../codec/mod.ts";
import type { ChatEvent, KeyStatus } from "../events.ts";
import { describeError, Serial } from "../util/mod.ts";
import type { OfferedFile } from "./collect.ts";
import { hashFile } from "./hash.ts";
import { prepareOffer } from "./offer_files.ts";
import { Movers } from "./movers.ts";
import { Outgoing, type OutgoingLink } from "./outgoing.ts";
import { PartialStore } from "./partials.ts";
import { offerRefusal } from "./transfer_commands.ts";
import { transferList } from "./transfer_progress.ts";
import { findByWire, initialState, type TransfersState } from "./transfer_state.ts";
import { type Input, step } from "./transfer_step.ts";
import type { Effect, Readings } from "./transfer_turn.ts";
import { decodeTransfer, encodeTransfer, isStreamed, type TransferMessage } from "./wire.ts";

/** What transfers need of the member's view of the room. */
export interface TransferPeers {
  sealFile(
    name: string,
    body: Uint8Array,
  ): { message: ClientMessage; to: string } | { error: string };
  openFile(
    message: Extract<RoomMessage, { t: "file" }>,
  ): { from: string; key: Uint8Array; status: KeyStatus; body: Uint8Array } | ChatEvent;
  /** Everyone else in the room. */
  others(): string[];
  /** The canonical name of a member, if present. */
  nameOf(name: string): string | undefined;
  /** What this member knows of a member's key. */
  statusOf?(name: string): KeyStatus | undefined;
  /** Whether a member's rt said it can do `what` (a bit of `Capabilities`). */
  can?(name: string, what: number): boolean;
}

/** Options of a member's transfers. */
export interface TransfersOptions {
  peers: TransferPeers;
  link: OutgoingLink;
  /** Where received files go. */
  downloads: string;
  /** Names whose offers are accepted at once, when their key is verified. */
  autoAcceptFrom?: string[];
  /** Shows one event. */
  show(event: ChatEvent): void;
  /** Finds and hashes or (`streamed`) tags the files named (default: `collectFiles`). */
  collect?: (paths: string[], streamed: boolean) => Promise<OfferedFile[]>;
  /** How often progress is reported, in ms. Default: 250. */
  progressMs?: number;
}

/** One member's file transfers. */
export class Transfers {
  readonly #options: TransfersOptions;
  #state: TransfersState;
  readonly #movers: Movers;
  /** Control messages being handled, in order. */
  readonly #controls = new Serial();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TransfersOptions) {
    this.#options = options;
    const partials = new PartialStore(options.downloads);
    void partials.prune();
    this.#movers = new Movers({
      downloads: options.downloads,
      partials,
      frame: (to, wire, n, body) => this.#frame(to, wire, n, body),
      report: (result) => this.#step(result),
    });
    this.#state = initialState(options.autoAcceptFrom);
  }

  // ---- what the user does --------------------------------------------------------------

  /** `/send NAME|all PATH...`: prepares the files and offers them. */
  async send(to: string, paths: string[]): Promise<void> {
    const prepared = await prepareOffer(to, paths, this.#options);
    if (!prepared) return;
    for (const peer of prepared.recipients) this.#offer(peer, prepared.files, prepared.name);
  }

  /** `/accept [ID]`: accepts an offer (the only one waiting, when no id is given). */
  accept(id?: number): Promise<void> {
    return this.#step({ kind: "accept", id });
  }

  /** `/reject [ID]`. */
  reject(id?: number): void {
    void this.#step({ kind: "reject", id });
  }

  /** `/cancel ID`: stops a transfer either way; what was received is deleted. */
  cancel(id: number): void {
    void this.#step({ kind: "cancel", id });
  }

  /** `/transfers`. */
  list(): ChatEvent {
    return transferList(this.#state, this.#readings());
  }

  // ---- what the room says ---------------------------------------------------------------

  /**
   * A sealed control message. Handled in the order they came, each after the one before is
   * done (an offer reads the disk for parts to resume from; a cancel right behind it must not
   * overtake it).
   */
  receiveFile(message: Extract<RoomMessage, { t: "file" }>): Promise<void> {
    // Opened at once, in arrival order: the replay guard sees the numbers in order.
    const opened = this.#options.peers.openFile(message);
    return this.#controls.run(() => {
      if ("type" in opened) return this.#options.show(opened);
      const { from, key, status, body } = opened;
      return this.#step({ kind: "control", from, key, status, message: decodeTransfer(body) });
    });
  }

  /** A chunk (for transfers coming in) or an acknowledgement (for those going out). */
  receiveData(message: Extract<RoomMessage, { t: "data" }>): void {
    // An empty frame only opens a transfer at the host; it is never a chunk or an ack.
    if (message.body.length === 0) return;
    const transfer = findByWire(this.#state, message.from, message.id);
    if (transfer?.state === "active") this.#movers.frame(transfer.id, message);
  }

  /** A member left: their transfers stop, and can resume when offered again. */
  left(name: string): void {
    void this.#step({ kind: "left", name });
  }

  /** This member leaves: everything stops; parts received are kept to resume. */
  close(): Promise<void> {
    return this.#step({ kind: "close" });
  }

  // ---- the link -------------------------------------------------------------------------

  /**
   * This member's connection to the host dropped, and rt is coming back: what was moving stops
   * (parts kept), to carry on once back. Nothing is sent meanwhile.
   */
  linkDropped(): void {
    void this.#step({ kind: "link-dropped" });
  }

  /** Back in the room, in the same seat: what stopped carries on from where it stopped. */
  linkBack(): void {
    void this.#step({ kind: "link-back" });
  }

  // ---- the shell --------------------------------------------------------------------------

  /** Asks the core what follows `input`, and does it; resolves when the work it began is done. */
  #step(input: Input): Promise<void> {
    const { state, effects } = step(this.#state, input, this.#readings());
    this.#state = state;
    this.#tickWhileNeeded();
    return Promise.all(effects.map((effect) => this.#do(effect))).then(() => {});
  }

  #readings(): Readings {
    return { now: performance.now(), done: (id) => this.#movers.done(id) };
  }

  /** Does one effect, at once; resolves when the work it began, if awaited, is done. */
  async #do(effect: Effect): Promise<void> {
    switch (effect.type) {
      case "show":
        return this.#options.show(effect.event);
      case "control":
        return void this.#control(effect.to, effect.message);
      case "open-offer": {
        const { id, peer, sender, offer } = effect;
        const held = await this.#movers.offered(id, peer, sender, offer);
        return await this.#step({ kind: "held", id, held });
      }
      case "receive":
        return await this.#movers.receive(effect.id, effect.after);
      case "open-stream":
        return this.#frame(effect.to, effect.wire, 0, new Uint8Array(0));
      case "send-content":
        return this.#movers.sendContent(effect.id, effect.from, effect.window);
      case "stop": {
        const stopping = this.#movers.stop(effect.id, effect.keep);
        if (effect.wait) await stopping;
        return;
      }
      case "forget":
        return this.#movers.forget(effect.id);
      case "offer-again": {
        // Its files are known while the transfer is (one forgotten since cannot carry on).
        const files = this.#movers.filesOf(effect.id);
        const ready = files && await this.#offerable(effect.peer, files);
        if (ready) this.#offer(effect.peer, ready, effect.name, effect);
        return;
      }
    }
  }

  /**
   * Offers `files` (called `name`) to `peer`. `resumes`: the transfer, here and on the wire, it
   * carries on (the same files offered again after a connection dropped).
   */
  #offer(
    peer: string,
    files: OfferedFile[],
    name: string,
    resumes?: { id: number; wire: Uint8Array },
  ): void {
    const refusal = offerRefusal(peer, this.#options.peers.statusOf?.(peer));
    if (refusal) return this.#options.show(refusal);
    const wire = crypto.getRandomValues(new Uint8Array(16));
    const key = crypto.getRandomValues(new Uint8Array(32));
    const offered = files.map(({ path, size, type, hash, tag }) => ({
      ...{ path, size, type },
      ...(hash ? { hash } : {}),
      ...(tag ? { tag } : {}),
    }));
    const again = resumes ? { resumes: resumes.wire } : {};
    if (!this.#control(peer, { kind: "offer", id: wire, key, files: offered, ...again })) return;
    const { link } = this.#options;
    const outgoing = new Outgoing({ to: peer, files, id: wire, key, link });
    // The core gives the offer the next id.
    this.#movers.sending(this.#state.nextId, outgoing, files);
    const { total } = outgoing;
    const carried = resumes ? { resumes: resumes.id } : {};
    void this.#step({ kind: "offered", peer, wire, name, files: files.length, total, ...carried });
  }

  /**
   * `files` as `peer` can take them: streamed files (tagged, see `wire.ts`) are hashed first for
   * a member whose rt does not say it can take a streamed offer (whoever has that seat now).
   * `null`, having said why, when they cannot be read.
   */
  async #offerable(peer: string, files: OfferedFile[]): Promise<OfferedFile[] | null> {
    if (!isStreamed(files)) return files;
    if (this.#options.peers.can?.(peer, CAN_STREAMED_OFFERS)) return files;
    try {
      // One file at a time: a folder's files are not all opened at once.
      const hashed: OfferedFile[] = [];
      for (const { path, source, size, type } of files) {
        hashed.push({ path, source, size, type, hash: await hashFile(source, size) });
      }
      return hashed;
    } catch (error) {
      this.#options.show({ type: "error", code: "send-failed", message: describeError(error) });
      return null;
    }
  }

  /** Sends a control message; `false` when it could not be sealed or sent. */
  #control(to: string, message: TransferMessage): boolean {
    const sealed = this.#options.peers.sealFile(to, encodeTransfer(message));
    if ("error" in sealed) {
      this.#options.show({ type: "error", code: "no-such-member", message: sealed.error });
      return false;
    }
    try {
      this.#options.link.send(sealed.message);
      return true;
    } catch (error) {
      this.#options.show({ type: "error", code: "send-failed", message: describeError(error) });
      return false;
    }
  }

  /** Sends a frame of a transfer's stream. */
  #frame(to: string, id: Uint8Array, n: number, body: Uint8Array): void {
    try {
      this.#options.link.send({ t: "data", to, id, n, body });
    } catch {
      // The session is over; the transfer ends with it.
    }
  }

  /** Runs the progress timer while the core wants it. */
  #tickWhileNeeded(): void {
    if (this.#state.ticking && this.#timer === undefined) {
      const ms = this.#options.progressMs ?? 250;
      this.#timer = setInterval(() => void this.#step({ kind: "tick" }), ms);
      Deno.unrefTimer(this.#timer);
    } else if (!this.#state.ticking && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
