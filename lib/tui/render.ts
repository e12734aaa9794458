/**
 * Turns events into the plain lines a person reads. Pure; peer text is sanitised here.
 *
 * @module
 */
import type { ChatEvent, MemberView } from "./events.ts";
import { sanitize, sanitizeMultiline } from "./sanitize.ts";

function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function memberList(members: MemberView[]): string {
  const names = members.map((m) => sanitize(m.name) + (m.host ? " (host)" : ""));
  return `${members.length} in the room: ${names.join(", ")}`;
}

const LEFT_WHY = { quit: "left", lost: "lost the connection", removed: "was removed" } as const;

/** The text for one event, or `null` when it shows nothing. */
export function renderEvent(event: ChatEvent): string | null {
  switch (event.type) {
    case "listening": {
      const lines = [`Room is open on port ${event.port}.`];
      if (event.addresses.length === 0) {
        lines.push(
          "No network address was found besides this computer's own.",
          `To try it on this computer, type in another terminal:  rt localhost ${event.port}`,
        );
      } else {
        lines.push("For people on your network (Wi-Fi, cable...), have them type:");
        event.addresses.forEach((a, i) => {
          const why = a.note ? `, ${a.note}` : "";
          lines.push(`    ${a.command}    (${a.interface}${why}${i === 0 ? ", most likely" : ""})`);
        });
        if (event.addresses.length > 1) {
          lines.push("  Pick the one on the same network as them; the first is the usual choice.");
        }
      }
      lines.push(
        "For people elsewhere on the Internet: automatic router set-up is not available yet;",
        `  forward TCP port ${event.port} on your router to this computer by hand.`,
        "Type /help for commands. Ctrl+C closes the room for everyone.",
      );
      return lines.join("\n");
    }
    case "room-password":
      return `The password is: ${event.password}\n(Tell it to the people you invite, not in the same message as the address.)`;
    case "connecting":
      return `Connecting to ${event.host} port ${event.port}...`;
    case "connected":
      return `Connected to ${event.host} port ${event.port}.`;
    case "prompt":
      return null;
    case "wrong-password":
      return `Wrong password. ${event.triesLeft} ${
        event.triesLeft === 1 ? "try" : "tries"
      } left on this connection.`;
    case "name-refused":
      return `That name cannot be used: ${sanitize(event.reason)}.`;
    case "welcome":
      return `You are in the room as ${sanitize(event.name)}. ${memberList(event.members)}.\n` +
        "Type a message and press Enter. /help lists commands.";
    case "joined":
      return `[${clock(event.time)}] * ${sanitize(event.name)} joined`;
    case "left":
      return `[${clock(event.time)}] * ${sanitize(event.name)} ${LEFT_WHY[event.reason]}`;
    case "message":
      return `[${clock(event.time)}] ${sanitize(event.from)}: ${sanitizeMultiline(event.text)}`;
    case "who":
      return memberList(event.members);
    case "notice":
      return `! ${sanitize(event.text)}`;
    case "help":
      return event.commands.map((c) => `  ${c.command.padEnd(18)} ${c.help}`).join("\n");
    case "error":
      return `Error: ${sanitize(event.message)}`;
    case "closed":
      return `The room is closed: ${sanitize(event.reason)}.`;
  }
}
