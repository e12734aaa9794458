/**
 * The way in: a connection let through the gate proves the password (each guess counted by the
 * gate before it is answered) and its key is checked against the bans. The sockets' side of the
 * decisions in `handshake_outcome.ts`.
 *
 * @module
 */
import { encodeMessage } from "../codec/mod.ts";
import type { Room } from "../room/mod.ts";
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

/** What the way in needs of the host. */
export interface Doorway {
  room: Room;
  options: HostOptions;
  gate: Gate;
  blocklist: Blocklist;
  notices: Notices;
}

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
): Promise<SecureConnection | null> {
  const { options, gate, notices } = door;
  const tries = options.tries ?? 3;
  try {
    const secure = await acceptJoiner(framed, {
      password: options.password,
      identity: options.identity,
      tries,
      timeoutMs: options.handshakeTimeoutMs,
      firstGuessTimeoutMs: options.firstGuessTimeoutMs,
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
    gate.succeeded(admission);
    const ban = door.blocklist.bannedKey(secure.peerKey);
    if (ban) {
      secure.send(encodeMessage({ t: "closed", reason: "you are banned from this room" }));
      const text = `Turned away ${ban.name ?? "a banned key"} from ${from(who)}`;
      notices.give({ code: "banned", text, address: who });
      await secure.end(500);
      throw new TurnedAway("Banned");
    }
    return secure;
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
