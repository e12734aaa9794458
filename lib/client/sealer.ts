/**
 * What this member sends, made genuine: room messages signed, direct and file messages signed
 * and sealed to the one member they are for (their key and their present session), so that
 * nobody else, not even the host relaying them, can read them or pass them on to another.
 *
 * @module
 */
import type { ClientMessage } from "../codec/mod.ts";
import type { ChatEvent } from "../events.ts";
import type { Identity } from "../identity/mod.ts";
import { nobodyCalled } from "../room/mod.ts";
import type { Seat, Seats } from "./seats.ts";
import { MessageSigner } from "./signing.ts";

/** Signs and seals one member's messages. */
export class Sealer {
  readonly #seats: Seats;
  readonly #signer: MessageSigner;
  readonly #self: string;

  /** `nonce`: this member's session number; `now`: the clock room messages are signed with. */
  constructor(
    seats: Seats,
    identity: Identity,
    room: Uint8Array,
    options: { self: string; nonce?: Uint8Array; now: () => number },
  ) {
    this.#seats = seats;
    this.#self = options.self;
    this.#signer = new MessageSigner(identity, room, {
      ...(options.nonce ? { session: options.nonce } : {}),
      now: options.now,
    });
  }

  /** A signed room message. */
  say(text: string, me = false): ClientMessage {
    return this.#signer.say(text, me);
  }

  /** A direct message to `name`, and the event that shows it to its sender; or an error. */
  direct(name: string, text: string, me = false): { message: ClientMessage; event: ChatEvent } | {
    error: string;
  } {
    const seat = this.#recipient(name);
    if ("error" in seat) return seat;
    return {
      message: { t: "dm", to: seat.name, box: this.#signer.seal(seat, text, me) },
      event: {
        type: "message",
        from: this.#self,
        text,
        time: new Date().toISOString(),
        own: true,
        action: me,
        direct: true,
        to: seat.name,
      },
    };
  }

  /** A file-transfer message (`body`) sealed to `name`; or an error. */
  sealFile(name: string, body: Uint8Array): { message: ClientMessage; to: string } | {
    error: string;
  } {
    const seat = this.#recipient(name);
    if ("error" in seat) return seat;
    return {
      message: { t: "file", to: seat.name, box: this.#signer.sealFile(seat, body) },
      to: seat.name,
    };
  }

  /** The seat of another member called `name`, or why there is none. */
  #recipient(name: string): Seat | { error: string } {
    const seat = this.#seats.find(name);
    if (!seat) return { error: nobodyCalled(name) };
    if (seat.status === "you") return { error: "That is you" };
    return seat;
  }
}
