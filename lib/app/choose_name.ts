/**
 * Choosing a name in the room: the one given, or asked for, checked here against the rules
 * and then by the room, with a free-looking one offered after each refusal.
 *
 * @module
 */
import { CAN_STREAMED_OFFERS, type RoomMessage } from "../codec/mod.ts";
import type { Session } from "../client/mod.ts";
import { checkName, NAME_RULES, nextName, suggestName } from "../room/mod.ts";
import type { ChatUi } from "../tui/mod.ts";

/** What this rt can do beyond the protocol every rt speaks, said in its `join`. */
const CAPABILITIES = CAN_STREAMED_OFFERS;

/** The room's welcome. */
export type Welcome = Extract<RoomMessage, { t: "welcome" }>;

/**
 * Chooses a name: sends `join` with each proposal until the room welcomes one. Returns the
 * welcome, or `null` when the user gave up (end of input or interrupt) or the session ended.
 */
export async function chooseName(
  session: Session,
  ui: ChatUi,
  options: {
    suggested: string;
    askFirst: boolean;
    /** This session's random number, sent with the name (see `MemberInfo.nonce`). */
    nonce?: Uint8Array;
  },
): Promise<Welcome | null> {
  let ask = options.askFirst;
  // What Enter alone stands for: the name given, then after a refusal a free or usable one.
  let offered = options.suggested;
  while (true) {
    let name = offered;
    if (ask) {
      const prompt = `Your name${offered ? ` [${offered}]` : ""}: `;
      const answer = await ui.ask({
        for: "name",
        prompt,
        hidden: false,
        ...(offered ? { suggested: offered } : {}),
      });
      if (answer.kind !== "line") return null;
      name = answer.text.trim() || offered;
    }
    ask = true;
    // The rules are checked here first, where they can be said in full (the host checks
    // them too, and may be of another version).
    const checked = checkName(name);
    if ("refused" in checked) {
      ui.show({ type: "name-refused", reason: `${checked.refused}. ${NAME_RULES}` });
      offered = suggestName(name) ?? (name === offered ? "" : offered);
      continue;
    }
    const nonce = options.nonce ? { nonce: options.nonce } : {};
    session.send({ t: "join", name, ...nonce, can: CAPABILITIES });
    while (true) {
      const message = await session.next();
      if (message === null) return null;
      if (message.t === "welcome") return message;
      if (message.t === "name-refused") {
        ui.show({ type: "name-refused", reason: message.reason });
        // Taken, most likely (the rules passed here): the next free-looking one.
        offered = nextName(checked.display);
        break;
      }
      if (message.t === "notice") ui.show({ type: "notice", text: message.text });
      if (message.t === "closed") {
        ui.show({ type: "closed", reason: message.reason });
        return null;
      }
    }
  }
}
