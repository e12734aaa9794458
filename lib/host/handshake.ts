/**
 * The way in: a connection let through the gate proves the password (each guess counted by the
 * gate before it is answered) and its key is checked against the bans. The sockets' side of the
 * decisions in `handshake_outcome.ts`.
 *
 * @module
 */
import { encodeMessage } from "../codec/mod.ts";
import type { Membership, Room } from "../room/mod.ts";
import type { Blocklist } from "../store/mod.ts";
import {
  acceptJoiner,
  type FramedConnection,
  type RefusalCode,
  type SecureConnection,
  toRtError,
} from "../transport/mod.ts";
import type { Admission, Gate, Refusal } from "./gate.ts";
import { handshakeFailure, TurnedAway, wrongPassword } from "./handshake_outcome.ts";
import type { HostOptions } from "./host_options.ts";
import { from, refusalNotices } from "./notice_text.ts";
import type { Notices } from "./notices.ts";
import type { Resumptions } from "./resumptions.ts";

/** What the way in needs of the host. */
export interface Doorway {
  room: Room;
  options: HostOptions;
  gate: Gate;
  blocklist: Blocklist;
  notices: Notices;
  /** The way back for members whose connection dropped; absent: nobody is taken back. */
  resumptions?: Resumptions;
}

/** Who came through: a sealed connection, and the seat it comes back to (`null`: a joiner). */
export interface Arrival {
  secure: SecureConnection;
  seat: Membership | null;
}

/** What a joiner that proved a resumption secret but not its key, or too late, is told. */
const NOT_TAKEN_BACK = "this room does not know you any more: join again with the password";

/** Sends the joiner a refusal, and tells the host (a blocked address quietly). */
export function refuse(
  framed: FramedConnection,
  refusal: Refusal,
  who: string,
  notices: Notices,
  what = "",
): void {
  framed.send(encodeMessage({ t: "denied", code: refusal.code, reason: refusal.reason }));
  notices.give(...refusalNotices(refusal, who, what));
}

/**
 * Runs the handshake of a connection the gate let through. Returns the sealed connection of a
 * joiner who proved the password and is not banned; else `null`, once the host was told and
 * the connection ended.
 */
export async function handshake(
  door: Doorway,
  framed: FramedConnection,
  who: string,
  admission: Admission,
  newcomers?: Refusal,
): Promise<Arrival | null> {
  const { options, gate, notices, resumptions } = door;
  const tries = options.tries ?? 3;
  try {
    const secure = await acceptJoiner(framed, {
      password: options.password,
      identity: options.identity,
      tries,
      timeoutMs: options.handshakeTimeoutMs,
      firstGuessTimeoutMs: options.firstGuessTimeoutMs,
      ...(resumptions ? { resumption: (handle) => resumptions.prs(handle) } : {}),
      // Locked or full: only members coming back get further; a newcomer hears why not.
      ...(newcomers
        ? {
          newcomer: () => {
            refuse(framed, newcomers, who, notices);
            throw new TurnedAway(newcomers.reason);
          },
        }
        : {}),
      onUnknownResumption: () => {
        // The host started again, or the seat went: counted as a guess, said as what it is.
        gate.wrongGuess(admission);
        const text = `Turned away someone coming back from ${from(who)}: this room does not ` +
          "know their secret (counted as a wrong password guess)";
        notices.give({ code: "expired", text, address: who });
      },
      onGuess: () => {
        // Counted before it is answered: parallel connections share the budgets.
        const refusal = gate.guess(admission);
        if (!refusal) return;
        refuse(framed, refusal, who, notices, "a password guess from ");
        throw new TurnedAway("Blocked");
      },
      onWrongPassword: (attempt, left, abandoned) => {
        const wrong = gate.wrongGuess(admission);
        const outcome = wrongPassword(who, { attempt, left, abandoned }, wrong);
        notices.give(...outcome.said);
        if (outcome.deny !== null) {
          const code: RefusalCode = "blocked";
          framed.send(encodeMessage({ t: "denied", code, reason: outcome.deny }));
          throw new TurnedAway("Blocked");
        }
      },
    });
    const claim = secure.resumed && resumptions
      ? resumptions.claim(secure.resumed, secure.peerKey)
      : null;
    if (claim && "refused" in claim) {
      // A secret without the key it was given to (taken from its member) is a guess spent; a
      // member whose seat went meanwhile guessed nothing, and is told to join again.
      const taken = claim.refused === "key";
      if (taken) gate.wrongGuess(admission);
      else gate.succeeded(admission);
      secure.send(encodeMessage({ t: "closed", reason: NOT_TAKEN_BACK }));
      const text = taken
        ? `Turned away someone coming back from ${from(who)} with a secret given to another ` +
          "key (counted as a wrong password guess)"
        : `Turned away a member coming back from ${from(who)}: their seat is no longer kept`;
      notices.give({ code: taken ? "denied" : "expired", text, address: who });
      await secure.end(500);
      throw new TurnedAway("Not taken back");
    }
    const seat = claim ? claim.seat : null;
    gate.succeeded(admission);
    const ban = door.blocklist.bannedKey(secure.peerKey);
    if (ban) {
      secure.send(encodeMessage({ t: "closed", reason: "you are banned from this room" }));
      const text = `Turned away ${ban.name ?? "a banned key"} from ${from(who)}`;
      notices.give({ code: "banned", text, address: who });
      await secure.end(500);
      throw new TurnedAway("Banned");
    }
    return { secure, seat };
  } catch (error) {
    const failure = handshakeFailure(toRtError(error), {
      roomClosed: door.room.closed,
      tries,
      who,
    });
    if (failure.say) notices.give(failure.say);
    if (failure.cutOff) framed.close();
    else await framed.end(500);
    return null;
  }
}
