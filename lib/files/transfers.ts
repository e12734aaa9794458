/**
 * Every file transfer of one member: offers made and received, what the user decides about
 * them (`/send`, `/accept`, `/reject`, `/cancel`, `/transfers`), the control messages and
 * chunks from the room, progress, and what happens when someone leaves. Knows the room only
 * through the member's view of it (sealing, opening, who is here) and a link to send on.
 *
 * @module
 */
import type { ClientMessage, RoomMessage } from "../codec/messages.ts";
import { toHex } from "../handshake/bytes.ts";
import type { KeyStatus } from "../tui/events.ts";
import type { ChatEvent, FileView, TransferView } from "../tui/events.ts";
import { nameKey } from "../room/names.ts";
import { collectFiles, type OfferedFile, skippedLinksNotice } from "./collect.ts";
import { Incoming } from "./incoming.ts";
import { AckSender, Outgoing, type OutgoingLink } from "./outgoing.ts";
import { PartialStore } from "./partials.ts";
import {
  decodeTransfer,
  encodeAck,
  encodeTransfer,
  MAX_OFFER_FILES,
  type OfferedFileInfo,
  type TransferMessage,
} from "./wire.ts";

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
  /** Finds and hashes the files named (default: `collectFiles`). */
  collect?: (paths: string[]) => Promise<OfferedFile[]>;
  /** How often progress is reported, in ms. Default: 250. */
  progressMs?: number;
}

type Ending = Extract<ChatEvent, { type: "file-stopped" }>["reason"];

interface Common {
  id: number;
  wire: Uint8Array;
  key: Uint8Array;
  peer: string;
  name: string;
  files: number;
  total: number;
  state: "offered" | "active" | "verifying" | "done" | Ending;
  started: number;
  /** For speed: the bytes done and the time at the last progress report. */
  lastDone: number;
  lastAt: number;
  speed: number;
}

interface Sending extends Common {
  direction: "send";
  outgoing: Outgoing;
}

interface Receiving extends Common {
  direction: "receive";
  incoming: Incoming;
  offered: OfferedFileInfo[];
  acks: AckSender;
}

type Transfer = Sending | Receiving;

/** Whether a transfer has not ended: offered, or moving. */
function isOpen(transfer: Transfer): boolean {
  return transfer.state === "offered" || isMoving(transfer);
}

/** Whether a transfer's content is moving (or the sender waits for the verdict). */
function isMoving(transfer: Transfer): boolean {
  return transfer.state === "active" || transfer.state === "verifying";
}

/** Offers from one member waiting for an answer, at most. */
const MAX_WAITING_OFFERS_PER_SENDER = 20;
/** Transfers that ended, kept for `/transfers`, at most. */
const MAX_ENDED = 200;

/** What an offer of these paths is called. */
function offerName(paths: string[]): string {
  if (paths.length === 1) return paths[0]!;
  const tops = new Set(paths.map((p) => p.split("/")[0]));
  return tops.size === 1 ? [...tops][0]! : `${paths.length} files`;
}

function view(file: OfferedFileInfo): FileView {
  return { path: file.path, size: file.size, mediaType: file.type, hash: toHex(file.hash) };
}

/** One member's file transfers. */
export class Transfers {
  readonly #options: TransfersOptions;
  readonly #partials: PartialStore;
  readonly #transfers = new Map<number, Transfer>();
  /** The same transfers by the other member's name and the transfer's id on the wire. */
  readonly #byWire = new Map<string, Transfer>();
  readonly #autoAccept: Set<string>;
  #nextId = 1;
  /** Control messages being handled, in order. */
  #controls: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TransfersOptions) {
    this.#options = options;
    this.#partials = new PartialStore(options.downloads);
    void this.#partials.prune();
    this.#autoAccept = new Set((options.autoAcceptFrom ?? []).map(nameKey));
  }

  // ---- what the user does --------------------------------------------------------------

  /** `/send NAME|all PATH...`: prepares the files and offers them. */
  async send(to: string, paths: string[]): Promise<void> {
    const recipients = to === "all"
      ? this.#options.peers.others()
      : [this.#options.peers.nameOf(to)].filter((n): n is string => n !== undefined);
    if (recipients.length === 0) {
      return this.#error(
        "no-such-member",
        to === "all" ? "Nobody else is in the room" : `Nobody called "${to}" is in the room`,
      );
    }
    let files: OfferedFile[];
    // Hashing takes a while for big files: show how far it got, a few times a second.
    const preparing = offerName(paths.map((p) => p.replace(/[\\/]+$/, "").split(/[\\/]/).pop()!));
    let shown = 0;
    const onHashed = (done: number, total: number) => {
      if (performance.now() - shown < (this.#options.progressMs ?? 250) && done < total) return;
      shown = performance.now();
      this.#show({ type: "file-preparing", name: preparing, done, total });
    };
    const skippedLinks: string[] = [];
    try {
      const collect = this.#options.collect ??
        ((p: string[]) =>
          collectFiles(p, {
            maxFiles: MAX_OFFER_FILES,
            onHashed,
            onSkippedLink: (link) => skippedLinks.push(link),
          }));
      files = await collect(paths);
    } catch (error) {
      this.#skippedLinks(skippedLinks);
      this.#show({ type: "file-preparing", name: preparing, done: 0, total: 0 });
      return this.#error("send-failed", error instanceof Error ? error.message : String(error));
    }
    this.#skippedLinks(skippedLinks);
    const name = offerName(files.map((f) => f.path));
    for (const recipient of recipients) {
      if (this.#options.peers.statusOf?.(recipient) === "key-changed") {
        // The files would be encrypted to a key that may not be theirs.
        this.#show({
          type: "warning",
          code: "key-changed",
          name: recipient,
          text: `Not offered to ${recipient}: their key is not the one you knew. Compare ` +
            `/verify ${recipient} with them by phone or in person, then /trust ${recipient} and ` +
            "send again.",
        });
        continue;
      }
      const wire = crypto.getRandomValues(new Uint8Array(16));
      const key = crypto.getRandomValues(new Uint8Array(32));
      const offer: TransferMessage = {
        kind: "offer",
        id: wire,
        key,
        files: files.map((f) => ({ path: f.path, size: f.size, type: f.type, hash: f.hash })),
      };
      if (!this.#control(recipient, offer)) continue;
      const outgoing = new Outgoing({
        to: recipient,
        files,
        id: wire,
        key,
        link: this.#options.link,
      });
      const transfer: Sending = {
        ...this.#common(wire, key, recipient, name, files.length, outgoing.total),
        direction: "send",
        outgoing,
      };
      this.#add(transfer);
      this.#show({
        type: "file-offered",
        id: transfer.id,
        to: recipient,
        name,
        files: files.length,
        total: transfer.total,
      });
    }
  }

  /** Tells the user about links left out of an offer (they led out of a named folder). */
  #skippedLinks(links: string[]): void {
    if (links.length === 0) return;
    this.#show({ type: "notice", code: "links-skipped", text: skippedLinksNotice(links) });
  }

  /** `/accept [ID]`: accepts an offer (the only one waiting, when no id is given). */
  async accept(id?: number): Promise<void> {
    const transfer = this.#waiting(id, "accept");
    if (transfer) await this.#accept(transfer);
  }

  /** `/reject [ID]`. */
  reject(id?: number): void {
    const transfer = this.#waiting(id, "reject");
    if (!transfer) return;
    this.#control(transfer.peer, { kind: "reject", id: transfer.wire });
    this.#end(
      transfer,
      "rejected",
      "you",
      `You turned down ${transfer.name} from ${transfer.peer}`,
    );
  }

  /** `/cancel ID`: stops a transfer either way; what was received is deleted. */
  cancel(id: number): void {
    const transfer = this.#transfers.get(id);
    if (!transfer || !isOpen(transfer)) {
      return this.#error("no-such-transfer", `No transfer ${id} is going on; see /transfers`);
    }
    this.#control(transfer.peer, { kind: "cancel", id: transfer.wire, reason: "cancelled" });
    this.#end(transfer, "cancelled", "you", `You cancelled ${transfer.name}`);
  }

  /** `/transfers`. */
  list(): ChatEvent {
    const transfers: TransferView[] = [...this.#transfers.values()].map((t) => ({
      id: t.id,
      direction: t.direction,
      peer: t.peer,
      name: t.name,
      files: t.files,
      total: t.total,
      done: this.#done(t),
      state: t.state === "active" ? (t.direction === "send" ? "sending" : "receiving") : t.state,
    }));
    return { type: "transfers", transfers };
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
    const handled = this.#controls.then(() => this.#handleControl(opened));
    this.#controls = handled.catch(() => {});
    return handled;
  }

  async #handleControl(
    opened: ReturnType<TransferPeers["openFile"]>,
  ): Promise<void> {
    if ("type" in opened) return this.#show(opened);
    const control = decodeTransfer(opened.body);
    if (!control) {
      return this.#show({
        type: "warning",
        code: "bad-file-message",
        name: opened.from,
        text: `${opened.from} sent a file transfer message rt does not understand; ignored.`,
      });
    }
    if (control.kind === "offer") return await this.#offered(opened, control);
    const transfer = this.#find(opened.from, control.id);
    if (!transfer) return;
    switch (control.kind) {
      case "accept":
        if (transfer.direction === "send" && transfer.state === "offered") {
          this.#sendContent(transfer, control.from);
        }
        return;
      case "reject":
        if (transfer.direction === "send" && transfer.state === "offered") {
          this.#end(transfer, "rejected", "peer", `${transfer.peer} turned down ${transfer.name}`);
        }
        return;
      case "cancel":
        if (control.resumable) {
          return this.#end(
            transfer,
            "failed",
            "peer",
            `${transfer.peer}'s rt stopped ${transfer.name}: ${control.reason}`,
          );
        }
        return this.#end(
          transfer,
          "cancelled",
          "peer",
          `${transfer.peer} cancelled ${transfer.name}`,
        );
      case "done":
        // Also while still "active": the last chunk's send may not have returned yet.
        if (transfer.direction !== "send") return;
        if (!isMoving(transfer)) return;
        if (control.ok) {
          transfer.outgoing.stop();
          return this.#finished(transfer);
        }
        return this.#end(
          transfer,
          "corrupt",
          "peer",
          `${transfer.name} arrived corrupt at ${transfer.peer}: ${control.reason ?? "no reason"}`,
        );
    }
  }

  /** A chunk (for transfers coming in) or an acknowledgement (for those going out). */
  receiveData(message: Extract<RoomMessage, { t: "data" }>): void {
    // An empty frame only opens a transfer at the host; it is never a chunk or an ack.
    if (message.body.length === 0) return;
    const transfer = this.#find(message.from, message.id);
    if (!transfer || transfer.state !== "active") return;
    if (transfer.direction === "receive") {
      transfer.incoming.chunk(message.n, message.body);
    } else if (!transfer.outgoing.ack(message.n, message.body)) {
      this.#control(transfer.peer, {
        kind: "cancel",
        id: transfer.wire,
        reason: "an acknowledgement did not verify",
        resumable: true,
      });
      this.#end(transfer, "failed", null, `${transfer.name}: an acknowledgement did not verify`);
    }
  }

  /** A member left: their transfers stop, and can resume when offered again. */
  left(name: string): void {
    for (const transfer of this.#transfers.values()) {
      if (transfer.peer === name && isOpen(transfer)) {
        this.#end(transfer, "interrupted", null, `${name} left; ${transfer.name} stopped`);
      }
    }
  }

  /** This member leaves: everything stops; parts received are kept to resume. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const stopping: Promise<void>[] = [];
    for (const transfer of this.#transfers.values()) {
      if (!isMoving(transfer)) continue;
      transfer.state = "interrupted";
      if (transfer.direction === "send") transfer.outgoing.stop();
      else stopping.push(transfer.incoming.stop(true));
    }
    await Promise.all(stopping);
  }

  // ---- inside -------------------------------------------------------------------------

  #common(
    wire: Uint8Array,
    key: Uint8Array,
    peer: string,
    name: string,
    files: number,
    total: number,
  ): Common {
    const now = performance.now();
    return {
      id: this.#nextId++,
      wire,
      key,
      peer,
      name,
      files,
      total,
      state: "offered",
      started: now,
      lastDone: 0,
      lastAt: now,
      speed: 0,
    };
  }

  async #offered(
    sender: { from: string; key: Uint8Array; status: KeyStatus },
    offer: Extract<TransferMessage, { kind: "offer" }>,
  ): Promise<void> {
    if (this.#find(sender.from, offer.id)) return;
    const waiting = [...this.#transfers.values()].filter((t) =>
      t.direction === "receive" && t.state === "offered" && t.peer === sender.from
    );
    if (waiting.length >= MAX_WAITING_OFFERS_PER_SENDER) {
      this.#control(sender.from, { kind: "reject", id: offer.id });
      this.#show({
        type: "notice",
        code: "offer-turned-down",
        text: `Turned down an offer from ${sender.from}: ${waiting.length} of their offers ` +
          "already wait for an answer (/transfers)",
      });
      return;
    }
    const incoming = new Incoming({
      files: offer.files,
      sender: sender.key,
      key: offer.key,
      id: offer.id,
      downloads: this.#options.downloads,
      partials: this.#partials,
    });
    const name = offerName(offer.files.map((f) => f.path));
    const transfer: Receiving = {
      ...this.#common(offer.id, offer.key, sender.from, name, offer.files.length, incoming.total),
      direction: "receive",
      incoming,
      offered: offer.files,
      acks: new AckSender(offer.key, offer.id),
    };
    this.#add(transfer);
    const held = (await incoming.held()).reduce((sum, n) => sum + n, 0);
    const listed = this.#autoAccept.has(nameKey(sender.from));
    const auto = listed && sender.status === "verified";
    this.#show({
      type: "file-offer",
      id: transfer.id,
      from: sender.from,
      name,
      files: offer.files.map(view),
      total: incoming.total,
      held,
      autoAccepted: auto,
      ...(listed && !auto
        ? {
          note: `not accepted automatically: ${sender.from}'s key is not verified ` +
            `(/verify ${sender.from}, then /trust ${sender.from})`,
        }
        : {}),
    });
    if (auto) await this.#accept(transfer);
  }

  async #accept(transfer: Receiving): Promise<void> {
    transfer.state = "active";
    transfer.started = performance.now();
    transfer.lastAt = transfer.started;
    let from: number[];
    try {
      from = await transfer.incoming.accept({
        written: (bytes) => {
          const ack = transfer.acks.next(encodeAck(bytes));
          this.#data(transfer, ack.n, ack.body);
        },
        saved: (file, path) =>
          this.#show({
            type: "file-saved",
            id: transfer.id,
            from: transfer.peer,
            name: file.path,
            path,
            size: file.size,
            mediaType: file.type,
            hash: toHex(file.hash),
          }),
        complete: () => {
          this.#control(transfer.peer, { kind: "done", id: transfer.wire, ok: true });
          this.#finished(transfer);
        },
        failed: (code, reason) => {
          this.#control(
            transfer.peer,
            code === "corrupt"
              ? { kind: "done", id: transfer.wire, ok: false, reason }
              : { kind: "cancel", id: transfer.wire, reason, resumable: true },
          );
          this.#end(transfer, code, null, `${transfer.name} from ${transfer.peer}: ${reason}`);
        },
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.#control(transfer.peer, {
        kind: "cancel",
        id: transfer.wire,
        reason: "cannot save",
        resumable: true,
      });
      return this.#end(transfer, "failed", null, `Cannot save ${transfer.name}: ${why}`);
    }
    transfer.lastDone = transfer.incoming.done;
    if (transfer.state !== "active") return;
    // An empty frame first: it tells the host this member wants this transfer's chunks (the
    // host relays none that their recipient did not ask for), before the sender can send any.
    this.#data(transfer, 0, new Uint8Array(0));
    this.#control(transfer.peer, { kind: "accept", id: transfer.wire, from });
    this.#ticking();
  }

  #sendContent(transfer: Sending, from: number[]): void {
    transfer.state = "active";
    transfer.started = performance.now();
    transfer.lastAt = transfer.started;
    this.#ticking();
    transfer.outgoing.send(from).then(() => {
      if (transfer.state === "active") transfer.state = "verifying";
    }, (error) => {
      if (transfer.state !== "active") return;
      const why = error instanceof Error ? error.message : String(error);
      this.#control(transfer.peer, {
        kind: "cancel",
        id: transfer.wire,
        reason: why,
        resumable: true,
      });
      this.#end(transfer, "failed", null, `Could not send ${transfer.name}: ${why}`);
    });
    transfer.lastDone = transfer.outgoing.done;
  }

  #finished(transfer: Transfer): void {
    transfer.state = "done";
    this.#evict();
    this.#progressEnded(transfer);
    this.#show({
      type: "file-done",
      id: transfer.id,
      direction: transfer.direction,
      peer: transfer.peer,
      name: transfer.name,
      files: transfer.files,
      total: transfer.total,
      seconds: Math.round((performance.now() - transfer.started) / 100) / 10,
      ...(transfer.direction === "receive" ? { folder: transfer.incoming.folder } : {}),
    });
  }

  /** Ends a transfer that did not finish. */
  #end(transfer: Transfer, reason: Ending, by: "you" | "peer" | null, text: string): void {
    if (!isOpen(transfer)) return;
    const wasActive = transfer.state !== "offered";
    transfer.state = reason;
    this.#evict();
    // Parts are kept to resume from unless someone called the transfer off, or it was corrupt:
    // also those of an earlier transfer when this offer of the same files is interrupted
    // unanswered. Parts no one resumes are deleted after a week.
    const keep = reason === "interrupted" || reason === "failed";
    const resumable = transfer.direction === "receive" && wasActive && keep;
    if (transfer.direction === "send") transfer.outgoing.stop();
    else void transfer.incoming.stop(keep);
    this.#progressEnded(transfer);
    this.#show({
      type: "file-stopped",
      id: transfer.id,
      direction: transfer.direction,
      peer: transfer.peer,
      name: transfer.name,
      reason,
      by,
      text: resumable ? `${text}; offered again, it will carry on where it stopped` : text,
      resumable,
    });
  }

  /** Forgets the oldest ended transfers beyond `MAX_ENDED`. */
  #evict(): void {
    const ended = [...this.#transfers.values()].filter((t) => !isOpen(t));
    for (const transfer of ended.slice(0, Math.max(0, ended.length - MAX_ENDED))) {
      this.#transfers.delete(transfer.id);
      this.#byWire.delete(this.#wireKey(transfer.peer, transfer.wire));
    }
  }

  /** A transfer waiting for this member's answer. */
  #waiting(id: number | undefined, verb: string): Receiving | null {
    const waiting = [...this.#transfers.values()].filter((t): t is Receiving =>
      t.direction === "receive" && t.state === "offered"
    );
    if (id === undefined) {
      if (waiting.length === 1) return waiting[0]!;
      this.#error(
        "no-such-transfer",
        waiting.length === 0
          ? "No offer is waiting for an answer"
          : `Several offers are waiting: /${verb} ID (see /transfers)`,
      );
      return null;
    }
    const transfer = waiting.find((t) => t.id === id);
    if (!transfer) this.#error("no-such-transfer", `No offer ${id} is waiting; see /transfers`);
    return transfer ?? null;
  }

  #wireKey(peer: string, wire: Uint8Array): string {
    return `${peer}\u0000${toHex(wire)}`;
  }

  #find(peer: string, wire: Uint8Array): Transfer | undefined {
    return this.#byWire.get(this.#wireKey(peer, wire));
  }

  #add(transfer: Transfer): void {
    this.#transfers.set(transfer.id, transfer);
    this.#byWire.set(this.#wireKey(transfer.peer, transfer.wire), transfer);
  }

  /** Sends a control message; `false` when it could not be sealed or sent. */
  #control(to: string, message: TransferMessage): boolean {
    const sealed = this.#options.peers.sealFile(to, encodeTransfer(message));
    if ("error" in sealed) {
      this.#error("no-such-member", sealed.error);
      return false;
    }
    try {
      this.#options.link.send(sealed.message);
      return true;
    } catch (error) {
      this.#error("send-failed", error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  #data(transfer: Transfer, n: number, body: Uint8Array): void {
    try {
      this.#options.link.send({ t: "data", to: transfer.peer, id: transfer.wire, n, body });
    } catch {
      // The session is over; the transfer ends with it.
    }
  }

  #done(transfer: Transfer): number {
    if (transfer.state === "done") return transfer.total;
    return transfer.direction === "send" ? transfer.outgoing.done : transfer.incoming.done;
  }

  /** Reports progress every so often while anything moves. */
  #ticking(): void {
    if (this.#timer !== undefined) return;
    const timer = setInterval(() => this.#tick(), this.#options.progressMs ?? 250);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #tick(): void {
    const now = performance.now();
    let active = 0;
    for (const transfer of this.#transfers.values()) {
      if (!isMoving(transfer)) continue;
      active++;
      const done = this.#done(transfer);
      const seconds = (now - transfer.lastAt) / 1000;
      if (seconds > 0) {
        const instant = (done - transfer.lastDone) / seconds;
        transfer.speed = transfer.speed === 0 ? instant : 0.7 * transfer.speed + 0.3 * instant;
      }
      transfer.lastDone = done;
      transfer.lastAt = now;
      this.#progress(transfer, done);
    }
    if (active === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #progress(transfer: Transfer, done: number): void {
    this.#show({
      type: "file-progress",
      id: transfer.id,
      direction: transfer.direction,
      peer: transfer.peer,
      name: transfer.name,
      done,
      total: transfer.total,
      bytesPerSecond: Math.round(transfer.speed),
    });
  }

  /** The last word on a transfer's progress, so bars come down. */
  #progressEnded(transfer: Transfer): void {
    this.#progress(transfer, this.#done(transfer));
  }

  #show(event: ChatEvent): void {
    this.#options.show(event);
  }

  #error(code: string, message: string): void {
    this.#show({ type: "error", code, message });
  }
}
