/**
 * Bridges the network to the room: the gate in front (blocks, locks, caps), the handshake,
 * then each authenticated member's messages pumped into the room at a bounded rate. The one
 * place that knows both sockets and the room; the decisions are made in the modules it wires.
 *
 * @module
 */
import type { Room } from "../room/mod.ts";
import { type BlockEntry, Blocklist } from "../store/mod.ts";
import {
  type Accepted,
  FramedConnection,
  HANDSHAKE_FRAME_BYTES,
  type Listening,
  listenTcp,
} from "../transport/mod.ts";
import { connectionFailure } from "./connection_failure.ts";
import { Gate, type Route } from "./gate.ts";
import { type Arrival, type Doorway, handshake, refuse } from "./handshake.ts";
import { entry } from "./handshake_outcome.ts";
import { type HostLimits, type HostOptions, ONION_ADDRESS, withDefaults } from "./host_options.ts";
import { type Hall, serveMember } from "./member.ts";
import { Moderation } from "./moderation.ts";
import { Notices } from "./notices.ts";
import { Resumptions } from "./resumptions.ts";
import { RelayBudget } from "./relay_budget.ts";
import { Strangers } from "./strangers.ts";

export {
  type HostLimits,
  type HostNotice,
  type HostOptions,
  ONION_ADDRESS,
} from "./host_options.ts";

/** A room reachable over TCP. */
export class RoomHost {
  readonly #room: Room;
  readonly #limits: Required<HostLimits>;
  readonly #listening: Listening;
  readonly #onion: Listening | null;
  readonly #gate: Gate;
  readonly #blocklist: Blocklist;
  readonly #notices: Notices;
  readonly #moderation: Moderation;
  readonly #door: Doorway;
  readonly #hall: Hall;
  readonly #strangers = new Strangers();
  readonly #connections = new Set<FramedConnection>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #acceptLoops: Promise<void>[];

  private constructor(
    room: Room,
    options: HostOptions,
    listening: Listening,
    onion: Listening | null,
  ) {
    this.#room = room;
    this.#limits = withDefaults(options.limits);
    this.#blocklist = options.blocklist ?? Blocklist.inMemory();
    this.#gate = new Gate(this.#blocklist, this.#limits);
    const notices = this.#notices = new Notices(options);
    this.#moderation = new Moderation(room, this.#blocklist, this.#gate);
    // Members whose connection drops are taken back while the room keeps their seats.
    const resumptions = room.graceMs > 0 ? new Resumptions(room.id) : undefined;
    this.#door = {
      room,
      options,
      gate: this.#gate,
      blocklist: this.#blocklist,
      notices,
      resumptions,
    };
    const relay = new RelayBudget(this.#limits.relayWaitMs);
    this.#hall = { room, options, limits: this.#limits, notices, relay, resumptions };
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

  async #accept(listening: Listening, route: Route): Promise<void> {
    for await (const accepted of listening.accept()) {
      this.#strangers.arrived();
      const who = route === "onion" ? ONION_ADDRESS : accepted.address;
      // Whatever ends a connection's work is told if it is a bug, never dropped.
      const task = this.#serve(accepted, route, who).catch((error) => {
        const say = connectionFailure(error, who);
        if (say) this.#notices.give(say);
      });
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
      await this.#strangers.roomForMore();
    }
  }

  async #serve({ conn, address }: Accepted, route: Route, who: string): Promise<void> {
    // Frames before authentication are small: so is the read buffer until then.
    const framed = new FramedConnection(conn, {
      maxQueuedBytes: this.#limits.maxQueueBytes,
      maxFrameBytes: HANDSHAKE_FRAME_BYTES,
    });
    this.#connections.add(framed);
    let stranger = true;
    try {
      // Members whose connection dropped may come back into a locked or full room.
      const comingBack = this.#door.resumptions !== undefined;
      const way = entry(
        this.#gate.admit(address, route, comingBack),
        this.#room.size,
        this.#limits.maxMembers,
        { locked: this.#gate.locked, comingBack },
      );
      if ("refused" in way) {
        way.release?.release();
        refuse(framed, way.refused, who, this.#notices);
        await framed.end(500);
        return;
      }
      let arrival: Arrival | null;
      try {
        arrival = await handshake(this.#door, framed, who, way.admitted, way.newcomers);
      } finally {
        way.admitted.release();
      }
      if (!arrival) {
        framed.close();
        return;
      }
      stranger = false;
      this.#strangers.left();
      await serveMember(this.#hall, arrival.secure, who, arrival.seat);
    } catch (error) {
      framed.close();
      throw error;
    } finally {
      this.#connections.delete(framed);
      if (stranger) this.#strangers.left();
    }
  }

  // ---- what the host can do -----------------------------------------------------------

  /** Blocks and bans in force: those kept across restarts, then this computer's back-offs. */
  blocked(): BlockEntry[] {
    return this.#moderation.blocked();
  }

  /** Lifts blocks (and back-offs) by address, prefix, name or key prefix. */
  unblock(what: string): BlockEntry[] {
    return this.#moderation.unblock(what);
  }

  /** The room has a new password: the room's budget of wrong guesses is full again. */
  passwordChanged(): void {
    this.#gate.passwordChanged();
  }

  /** Removes a member. Returns their name and address, or `null` when nobody has that name. */
  kick(name: string): { name: string; address?: string } | null {
    return this.#moderation.kick(name);
  }

  /** Removes a member and bans their address and key. */
  ban(name: string): BlockEntry | null {
    return this.#moderation.ban(name);
  }

  /** Refuses (or again accepts) new joiners. */
  set locked(locked: boolean) {
    this.#moderation.locked = locked;
  }

  get locked(): boolean {
    return this.#moderation.locked;
  }

  /** Closes the room for everyone, flushes the goodbyes, and stops listening. */
  async close(): Promise<void> {
    this.#listening.close();
    this.#onion?.close();
    this.#room.close();
    for (const framed of this.#connections) void framed.end(1000);
    await Promise.all(this.#acceptLoops);
    await Promise.allSettled([...this.#tasks]);
    await this.#notices.idle;
    await this.#blocklist.flush();
  }
}
