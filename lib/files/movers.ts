/**
 * What moves each transfer's bytes, for the shell: the files read and sent (`outgoing.ts`), or
 * received and written (`incoming.ts`) with their acknowledgements. What happens to them is
 * reported back to the core as `Result`s.
 *
 * @module
 */
import type { RoomMessage } from "../codec/mod.ts";
import { describeError } from "../util/mod.ts";
import type { OfferedFile } from "./collect.ts";
import { Incoming, type IncomingSink } from "./incoming.ts";
import { AckSender, type Outgoing } from "./outgoing.ts";
import type { PartialStore } from "./partials.ts";
import type { Result } from "./transfer_results.ts";
import { encodeAck, type TransferMessage } from "./wire.ts";

type Receiver = { incoming: Incoming; acks: AckSender; peer: string; wire: Uint8Array };
/** An offer this member made: its files are kept to offer them again (after a drop). */
type Sender = { outgoing: Outgoing; files: OfferedFile[] };
type Mover = Sender | Receiver;

/** What movers need of the shell. */
export interface MoversOptions {
  downloads: string;
  partials: PartialStore;
  /** Sends a frame of a transfer's stream (quietly nothing once the session is over). */
  frame(to: string, wire: Uint8Array, n: number, body: Uint8Array): void;
  /** Tells the core what happened. */
  report(result: Result): Promise<void>;
}

/** The movers of one member's transfers, by transfer id. */
export class Movers {
  readonly #movers = new Map<number, Mover>();
  /**
   * Movers stopping now. A part is looked at, or claimed, only once they are done: an offer
   * that carries on a transfer just stopped must not find it still writing.
   */
  readonly #stopping = new Set<Promise<void>>();

  constructor(readonly options: MoversOptions) {}

  /** Bytes transfer `id` has moved. */
  done(id: number): number {
    const mover = this.#movers.get(id);
    if (!mover) return 0;
    return "outgoing" in mover ? mover.outgoing.done : mover.incoming.done;
  }

  /** An offer this member made, of `files`. */
  sending(id: number, outgoing: Outgoing, files: OfferedFile[]): void {
    this.#movers.set(id, { outgoing, files });
  }

  /** The files of an offer this member made (to offer them again), if not forgotten. */
  filesOf(id: number): OfferedFile[] | undefined {
    const mover = this.#movers.get(id);
    return mover && "files" in mover ? mover.files : undefined;
  }

  /** An offer from `peer`: resolves to the bytes held from before. */
  async offered(
    id: number,
    peer: string,
    sender: Uint8Array,
    offer: Extract<TransferMessage, { kind: "offer" }>,
  ): Promise<number> {
    const { downloads, partials } = this.options;
    const { files, key, id: wire } = offer;
    const incoming = new Incoming({ files, sender, key, id: wire, downloads, partials });
    this.#movers.set(id, { incoming, acks: new AckSender(key, wire), peer, wire });
    await this.#stopped();
    return (await incoming.held()).reduce((sum, n) => sum + n, 0);
  }

  /**
   * Prepares to receive an accepted offer's files; reports where each should start. `after`:
   * the transfer of the same files this one carries on.
   */
  async receive(id: number, after?: number): Promise<void> {
    const mover = this.#movers.get(id);
    if (!mover || !("incoming" in mover)) return;
    const earlier = after === undefined ? undefined : this.#movers.get(after);
    let from: number[];
    try {
      await this.#stopped();
      const carried = earlier && "incoming" in earlier ? earlier.incoming : undefined;
      from = await mover.incoming.accept(this.#sink(id, mover), carried);
    } catch (error) {
      return await this.options.report({ kind: "cannot-save", id, why: describeError(error) });
    }
    await this.options.report({ kind: "receiving", id, from, window: mover.incoming.window });
  }

  #sink(id: number, mover: Receiver): IncomingSink {
    const { report, frame } = this.options;
    return {
      written: (bytes) => {
        const ack = mover.acks.next(encodeAck(bytes));
        frame(mover.peer, mover.wire, ack.n, ack.body);
      },
      saved: (file, path, hash) => void report({ kind: "saved", id, file, path, hash }),
      complete: () => void report({ kind: "received", id, folder: mover.incoming.folder }),
      failed: (code, reason) => void report({ kind: "receive-failed", id, code, reason }),
    };
  }

  /** Sends the content, each file from `from`, at most `window` bytes ahead of the acks. */
  sendContent(id: number, from: number[], window: number): void {
    const mover = this.#movers.get(id);
    if (!mover || !("outgoing" in mover)) return;
    const { report } = this.options;
    mover.outgoing.send(from, window).then(
      () => void report({ kind: "content-sent", id }),
      (error) => void report({ kind: "send-failed", id, why: describeError(error) }),
    );
    void report({ kind: "content-started", id });
  }

  /** A chunk of a transfer coming in, or an acknowledgement of one going out. */
  frame(id: number, message: Extract<RoomMessage, { t: "data" }>): void {
    const mover = this.#movers.get(id);
    if (mover && "incoming" in mover) mover.incoming.chunk(message.n, message.body);
    else if (mover && !mover.outgoing.ack(message.n, message.body)) {
      void this.options.report({ kind: "bad-ack", id });
    }
  }

  /** Stops moving; `keep`: leave what was received to resume from. Resolves once closed. */
  stop(id: number, keep: boolean): Promise<void> {
    const stopping = this.#stop(id, keep);
    this.#stopping.add(stopping);
    const done = () => void this.#stopping.delete(stopping);
    stopping.then(done, done);
    return stopping;
  }

  async #stop(id: number, keep: boolean): Promise<void> {
    const mover = this.#movers.get(id);
    if (mover && "outgoing" in mover) mover.outgoing.stop();
    else if (mover) await mover.incoming.stop(keep);
  }

  /** Resolves once the movers stopping now are done. */
  async #stopped(): Promise<void> {
    await Promise.allSettled([...this.#stopping]);
  }

  forget(id: number): void {
    this.#movers.delete(id);
  }
}
