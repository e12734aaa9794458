/**
 * One authenticated member's connection, pumped into the room: its messages read at the
 * member's rate, file data paced by the recipient, and the room's messages sent to it.
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
  type RoomMessage,
} from "../codec/mod.ts";
import { type Membership, nameKey, type Room } from "../room/mod.ts";
import { type SecureConnection, toRtError } from "../transport/mod.ts";
import { encodeOnce } from "./encode_once.ts";
import type { HostLimits, HostOptions } from "./host_options.ts";
import { floodNotice, memberEnded, MemberRate } from "./member_rules.ts";
import type { Notices } from "./notices.ts";
import type { RelayBudget } from "./relay_budget.ts";
import type { Resumptions } from "./resumptions.ts";

/** A recipient's queue above this makes the relay of file chunks wait for it. */
const RELAY_QUEUE_BYTES = 1024 * 1024;

/** What a member's connection needs of the host. */
export interface Hall {
  room: Room;
  options: HostOptions;
  limits: Required<HostLimits>;
  notices: Notices;
  relay: RelayBudget;
  /** The way back for members whose connection dropped; absent: nobody is taken back. */
  resumptions?: Resumptions;
}

/**
 * Serves a member until it leaves, is removed, or its connection ends. `seat`: the seat of a
 * member coming back (see `Resumptions`); `null` for a joiner.
 */
export async function serveMember(
  hall: Hall,
  secure: SecureConnection,
  address: string,
  seat: Membership | null = null,
): Promise<void> {
  const { room, limits, resumptions } = hall;
  // The seat is the first membership of the member: each welcome carries a fresh way back.
  let joined: Membership | null = seat;
  const link = {
    deliver: (message: RoomMessage) => {
      // Closed already: the link went down under an earlier message (a write failed) and the
      // read side is ending too, as a drop, which keeps the seat. A throw here would cut the
      // member off at once instead; what was for it is lost, as it is while it is away.
      if (secure.closed) return;
      if (message.t === "data") {
        return secure.sendBulk(encodeMessage(dataHeader(message)), message.body);
      }
      if (message.t === "welcome" && resumptions && room.graceMs > 0 && joined) {
        // With how long the seat is kept: past that, trying to come back is in vain.
        const resume = { ...resumptions.issue(joined, secure.peerKey), keepMs: room.graceMs };
        return secure.send(encodeMessage({ ...message, resume }));
      }
      // News of who came and went waits a moment for company: a thousand people arriving
      // one by one cost each member a few writes a second, not one each.
      secure.send(encodeOnce(message), message.t === "joined" || message.t === "left");
    },
    disconnect: () => void secure.end(1000),
    ready: () => secure.hasRoom(RELAY_QUEUE_BYTES),
  };
  const membership = seat
    ? room.rejoin(seat, link, { address })
    : room.connect(link, { address, key: secure.peerKey });
  if (!membership) {
    // Gone between the handshake and now.
    secure.send(encodeMessage({ t: "closed", reason: "you have left this room" }));
    await secure.end(500);
    return;
  }
  joined ??= membership;
  const nameTimeoutMs = hall.options.nameTimeoutMs ?? 5 * 60_000;
  const rate = new MemberRate(limits.messagesPerSecond, limits.messageBurst);
  let quit = false;
  // Whether the connection just dropped (ended without a goodbye, was reset, went silent), as
  // a link that fails does: the member's seat is kept for it to come back. One that broke the
  // protocol (garbage, a frame that does not open) leaves at once.
  let dropped = true;
  try {
    while (!quit) {
      const frame = await secure.receiveFrame(membership.name === null ? nameTimeoutMs : undefined);
      if (frame === null) break;
      const message = frame.body === null
        ? decodeMessage(ClientMessage, frame.plaintext)
        : decodeBulk(ClientDataHeader, frame.plaintext, frame.body);
      if (message.t === "data") {
        // Bulk data is not held to the message rate; it is paced by its recipient instead:
        // stop reading from the sender until the recipient's queue is short again. One that
        // reads nothing for a long time is dropped as stalled (and the sender freed). Checked
        // again after each wait: several senders woken at once by one recipient must not all
        // deliver, or together they would overflow its queue.
        for (let ready = membership.readyFor(message.to); ready;) {
          if (!(await recipientReady(hall, ready, message.to))) break;
          ready = membership.readyFor(message.to);
        }
      } else if (message.t === "say" || message.t === "dm" || message.t === "file") {
        // Over the rate: stop reading from this member until it may speak again, so its own
        // connection backs up and nobody else waits.
        for (let turn = rate.take(); turn.waitMs > 0; turn = rate.take()) {
          if (turn.tell) {
            hall.notices.give(floodNotice(membership.name, address, limits.messagesPerSecond));
          }
          await new Promise((resolve) => setTimeout(resolve, turn.waitMs));
        }
      } else if (message.t === "bye") quit = true;
      membership.receive(message);
    }
  } catch (error) {
    const e = toRtError(error);
    // A frame cut short by the connection ending is how a stream through a proxy or Tor, or a
    // relay, ends when its link fails: a drop too. Garbage or an oversized frame is not.
    dropped = e.code === "connection-closed" || e.code === "timeout" ||
      e.code === "frame-truncated";
    const state = { roomClosed: room.closed, quit, name: membership.name, address };
    const say = memberEnded(e, state);
    if (say) hall.notices.give(say);
    secure.close(e);
  }
  membership.leave(quit ? "quit" : "lost", { keepSeat: dropped && !quit });
}

/**
 * Waits for the recipient called `name` to have room (`ready`); one that does not for too long
 * is dropped (then `false`).
 */
async function recipientReady(hall: Hall, ready: Promise<void>, name: string): Promise<boolean> {
  const key = nameKey(name);
  const wait = hall.relay.begin(key);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<"stalled">((resolve) => {
    timer = setTimeout(() => resolve("stalled"), wait.leftMs);
  });
  const outcome = await Promise.race([ready, stalled]);
  clearTimeout(timer);
  wait.end();
  if (outcome !== "stalled") return true;
  hall.relay.forget(key);
  // A recipient on a link that went down looks the same: where seats are kept it may come back.
  hall.room.cutOff(name, "you take file data too slowly; the room waited for you too long");
  return false;
}
