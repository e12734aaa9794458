/**
 * Turns events into the lines a person reads. Pure; every piece of peer-supplied text is
 * sanitised here, before any styling is added around it.
 *
 * @module
 */
import type { ChatEvent, KeyStatus, MemberView, RouterIpv6 } from "../events.ts";
import { renderFileEvent } from "./render_files.ts";
import { sanitize, sanitizeMultiline } from "./sanitize.ts";
import { makeStyle, type Style } from "./style.ts";
import { displayWidth } from "./width.ts";

/** How to render. */
export interface RenderOptions {
  /** Colours and emphasis. Default: none. */
  style?: Style;
  /** Show `[HH:MM]` before timed lines. Default: true. */
  timestamps?: boolean;
  /** The user's own name, to highlight mentions of it. */
  self?: string | null;
}

function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `text` mentions `name` as a word, ignoring case. */
export function mentions(text: string, name: string | null | undefined): boolean {
  if (!name) return false;
  return mentionPattern(name).test(text);
}

function mentionPattern(name: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])@?${escapeRegExp(name)}(?![\\p{L}\\p{N}_])`, "giu");
}

const STATUS_WORDS: Record<KeyStatus, string> = {
  you: "you",
  verified: "verified",
  known: "known",
  new: "new",
  "key-changed": "KEY CHANGED",
  "name-changed": "known key, new name",
  "your-key": "your key",
};

function statusBadge(status: KeyStatus, s: Style): string {
  const word = STATUS_WORDS[status];
  switch (status) {
    case "verified":
      return s.green(`✓ ${word}`);
    case "key-changed":
      return s.red(s.bold(`⚠ ${word}`));
    case "name-changed":
    case "your-key":
      return s.yellow(word);
    default:
      return s.dim(word);
  }
}

const LEFT_WHY = { quit: "left", lost: "lost the connection", removed: "was removed" } as const;

/** The text for one event, or `null` when it shows nothing. */
export function renderEvent(event: ChatEvent, options: RenderOptions = {}): string | null {
  const s = options.style ?? makeStyle(false);
  const at = (iso: string) => (options.timestamps ?? true) ? s.dim(`[${clock(iso)}] `) : "";
  const who = (name: string) => s.name(name, sanitize(name));
  const memberList = (members: MemberView[]) =>
    `${members.length} in the room: ` +
    members.map((m) =>
      who(m.name) + s.dim(" (") + (m.host ? s.dim("host, ") : "") + statusBadge(m.status, s) +
      s.dim(")")
    ).join(", ");
  switch (event.type) {
    case "listening":
      return renderListening(event, s);
    case "router":
      return renderRouter(event, s);
    case "onion":
      return [
        "For people anywhere, through Tor (they need Tor running too), have them type:",
        `    ${s.bold(event.command)}    ${
          s.dim("(an onion service, removed when the room closes)")
        }`,
      ].join("\n");
    case "room-password":
      return `The password is: ${s.bold(event.password)}\n` +
        s.dim("(Tell it to the people you invite, not in the same message as the address.)");
    case "connecting":
      return s.dim(`Connecting to ${event.host} port ${event.port}...`);
    case "connected":
      return s.dim(`Connected to ${event.host} port ${event.port}.`);
    case "host-key":
      return renderHostKey(event, s);
    case "prompt":
      return null;
    case "wrong-password":
      return s.yellow(
        `Wrong password. ${event.triesLeft} ${
          event.triesLeft === 1 ? "try" : "tries"
        } left on this connection.`,
      );
    case "name-refused":
      return s.yellow(sentence(sanitize(event.reason)));
    case "welcome":
      return `You are in the room as ${s.bold(who(event.name))} ` +
        s.dim(`(your fingerprint: ${event.fingerprint})`) + `.\n${memberList(event.members)}.\n` +
        s.dim("Type a message and press Enter. /help lists commands.");
    case "joined":
      return at(event.time) + s.dim("→ ") + who(event.name) + s.dim(" joined · ") +
        statusBadge(event.status, s) + s.dim(` · ${event.fingerprint}`);
    case "left":
      return at(event.time) + s.dim("← ") + who(event.name) + s.dim(` ${LEFT_WHY[event.reason]}`);
    case "message": {
      let text = event.action ? sanitize(event.text) : sanitizeMultiline(event.text);
      if (!event.own && options.self && mentions(text, options.self)) {
        text = text.replace(mentionPattern(sanitize(options.self)), (m) => s.reverse(s.bold(m)));
      }
      const name = event.own ? s.bold(who(event.from)) : who(event.from);
      if (event.direct) {
        const route = event.own ? `${name} → ${who(event.to ?? "?")}` : `${name} → you`;
        const body = event.action ? s.italic(`* ${name} ${text}`) : text;
        return at(event.time) + s.magenta("[private] ") + `${route}${s.dim(":")} ${body}`;
      }
      return event.action
        ? at(event.time) + s.italic(`* ${name} ${text}`)
        : at(event.time) + `${name}${s.dim(":")} ${text}`;
    }
    case "warning":
      return s.bold(s.red(`⚠ ${sanitize(event.text)}`));
    case "whois":
      return [
        `${who(event.name)}${event.host ? s.dim(" (host)") : ""}: ${statusBadge(event.status, s)}`,
        `  fingerprint  ${event.fingerprint}`,
        `  joined       ${clock(event.since)}`,
        ...(event.address ? [`  address      ${sanitize(event.address)}`] : []),
      ].join("\n");
    case "safety-code":
      return `Safety code with ${who(event.name)}:\n    ${s.bold(event.code)}\n` +
        s.dim(
          `Compare it with ${sanitize(event.name)} by phone or in person (not in this chat). ` +
            `If it matches, type /trust ${sanitize(event.name)}; if not, stop talking.`,
        );
    case "blocked":
      if (event.entries.length === 0) return "Nobody is blocked.";
      return [
        `${event.entries.length} blocked:`,
        ...event.entries.map((e) =>
          `  ${s.bold(sanitize(e.address ?? "(any address)"))}` +
          (e.name ? ` ${who(e.name)}` : "") +
          (e.fingerprint ? s.dim(` key ${e.fingerprint}`) : "") +
          s.dim(` · ${sanitize(e.reason)} · since ${e.since.slice(0, 16).replace("T", " ")}`)
        ),
        s.dim("Lift one with /unblock ADDRESS (or NAME)."),
      ].join("\n");
    case "dm-target":
      return event.to === null ? s.dim("Back to talking to the whole room.") : s.magenta(
        `Now talking to ${sanitize(event.to)} only (private). /dm all to talk to the room.`,
      );
    case "who":
      return memberList(event.members);
    case "notice":
      if (event.code !== undefined && SUCCESS_NOTICES.has(event.code)) {
        return s.green(`✓ ${sanitize(event.text)}`);
      }
      return event.code === "hint" || event.code === "announced" || event.code === "not-announced"
        ? s.dim(`(${event.text})`)
        : s.yellow(`! ${sanitize(event.text)}`);
    case "help":
      return renderHelp(event, s);
    case "setting":
      return s.dim(
        `${event.setting === "timestamps" ? "Timestamps" : "Bell"} ${event.on ? "on" : "off"}.`,
      );
    case "error":
      return s.red(`✗ ${sanitize(event.message)}`);
    case "closed":
      return s.bold(closedLine(sanitize(event.reason)));
    case "reconnecting":
      return s.yellow(`! ${event.text}`);
    case "reconnected":
      return s.green(`✓ ${event.text}`);
    case "rooms":
      return renderRooms(event, s);
    case "file-offer":
    case "file-preparing":
    case "file-offered":
    case "file-progress":
    case "file-saved":
    case "file-done":
    case "file-stopped":
    case "transfers":
      return renderFileEvent(event, s, who);
  }
}

/** Notices that confirm what the user asked for went well. */
const SUCCESS_NOTICES = new Set(["trusted", "kicked", "banned", "unblocked", "locked", "unlocked"]);

/**
 * Why the room ended for this member. The host removing (or banning) a member leaves the room
 * open for everyone else: that member reads the host's words as they are, not that the room is
 * closed.
 */
function closedLine(reason: string): string {
  if (/^the host (removed|banned) you\b/.test(reason)) {
    return `${reason[0]!.toUpperCase()}${reason.slice(1)}.`;
  }
  return `The room is closed: ${reason}.`;
}

/** The commands in two columns, the second lined up by display width. */
function renderHelp(event: Extract<ChatEvent, { type: "help" }>, s: Style): string {
  const width = Math.max(20, ...event.commands.map((c) => displayWidth(c.command)));
  return event.commands.map((c) =>
    `  ${s.bold(c.command)}${" ".repeat(width - displayWidth(c.command))} ${c.help}`
  ).join("\n");
}

/**
 * The host's proven key before the name is asked: a line when you have met the key; nothing
 * when it is new or your own (the welcome says so) or changed (a warning follows, loudly).
 */
function renderHostKey(event: Extract<ChatEvent, { type: "host-key" }>, s: Style): string | null {
  const as = event.names.length > 0 ? `, as ${event.names.map((n) => sanitize(n)).join(", ")}` : "";
  switch (event.status) {
    case "verified":
      return s.green(`✓ The host proved a key you verified${as}.`);
    case "known":
      return s.dim(`(The host proved a key you have met before${as}.)`);
    default:
      return null;
  }
}

function renderListening(event: Extract<ChatEvent, { type: "listening" }>, s: Style): string {
  const lines = [s.bold(`Room is open on port ${event.port}.`)];
  if (event.bound.length > 0 && event.bound.every(isLoopback)) {
    lines.push(
      `Only this computer can join: the room listens on ${event.bound.join(" and ")}, this ` +
        "computer's own address. To join from another terminal here, type:",
      `    ${s.bold(`rt ${event.bound[0]} ${event.port}`)}`,
      s.dim(
        "To let others in, start rt without --bind (or with --bind and this computer's " +
          "address on your network).",
      ),
      s.dim("Ctrl+C closes the room."),
    );
    return lines.join("\n");
  }
  if (event.addresses.length === 0) {
    lines.push(
      "No network address was found besides this computer's own.",
      `To try it on this computer, type in another terminal:  rt localhost ${event.port}`,
    );
  } else {
    lines.push("For people on your network (Wi-Fi, cable...), have them type:");
    event.addresses.forEach((a, i) => {
      const why = a.note ? `, ${a.note}` : "";
      lines.push(
        `    ${s.bold(a.command)}    ${
          s.dim(`(${a.interface}${why}${i === 0 ? ", most likely" : ""})`)
        }`,
      );
    });
    if (event.addresses.length > 1) {
      lines.push(
        s.dim("  Pick the one on the same network as them; the first is the usual choice."),
      );
    }
  }
  if (event.router === "asking") {
    lines.push(
      s.dim("Asking your router to open the port for people elsewhere on the Internet..."),
    );
  }
  lines.push(s.dim("Ctrl+C closes the room for everyone."));
  return lines.join("\n");
}

/** Whether `address` (as bound) is this computer's own loopback address. */
function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);
}

function renderRouter(event: Extract<ChatEvent, { type: "router" }>, s: Style): string {
  const forward =
    `forward TCP port ${event.port} to ${event.forwardTo ?? "this computer"} in your ` +
    "router's settings, then give people your public address";
  const tor = "(or host through Tor instead: rt --tor)";
  const v6 = event.ipv6;
  if (event.status === "mapped") {
    const lines = [
      "For people elsewhere on the Internet, have them type:",
      `    ${s.bold(event.command ?? "")}    ${
        s.dim(`(your router opened the port automatically, by ${event.method})`)
      }`,
    ];
    if (v6?.status === "opened") {
      lines.push(s.dim(`Over IPv6 it is open too: ${v6.command} (by ${v6.method})`));
    }
    return lines.join("\n");
  }
  if (v6?.status === "opened") {
    return [
      "For people elsewhere on the Internet, have them type:",
      `    ${s.bold(v6.command ?? "")}    ${
        s.dim(`(over IPv6: your router opened its firewall for this port, by ${v6.method})`)
      }`,
      `They need IPv6 too (most mobile networks and many homes have it). ${
        ipv4Closed(event)
      } For people without IPv6, host through Tor instead: rt --tor`,
    ].join("\n");
  }
  const noIpv6 = v6 && v6.status !== "off" ? ` ${ipv6Closed(v6)}` : "";
  switch (event.status) {
    case "double-nat":
      return s.yellow(
        `Your router opened port ${event.externalPort} (by ${event.method}), but its own address ` +
          `on the outside, ${event.externalAddress}, is private: another router stands between you ` +
          "and the Internet (double NAT), so people elsewhere cannot reach you this way." +
          noIpv6 + " Ask whoever runs that router to " + forward + ` ${tor}.`,
      );
    case "cgnat":
      return s.yellow(
        `For people elsewhere on the Internet: ${sharedAddress(event)}, so no setting on your ` +
          `router can let them reach you over IPv4.${noIpv6} Host through Tor instead: rt --tor ` +
          "(or ask your provider for a public IPv4 address).",
      );
    case "unavailable":
      return `For people elsewhere on the Internet: no router answered a request to open the ` +
        `port (UPnP, PCP and NAT-PMP may be off on it).${noIpv6} To let them in, ${forward} ${tor}.`;
    case "refused":
      return `For people elsewhere on the Internet: your router refused to open the port ` +
        `(${
          sanitize(event.detail ?? "no reason given")
        }).${noIpv6} To let them in, ${forward} ${tor}.`;
    case "off":
      return `For people elsewhere on the Internet: ${forward} (automatic opening is off).`;
  }
}

/** Why the provider's NAT stands in the way, naming the shared address when known. */
function sharedAddress(event: Extract<ChatEvent, { type: "router" }>): string {
  const address = event.externalAddress
    ? `; your router's outside address is ${sanitize(event.externalAddress)}`
    : "";
  return "your Internet provider shares one IPv4 address among many customers " +
    `(carrier-grade NAT${address})`;
}

/** One sentence: why nobody outside can come in over IPv4. */
function ipv4Closed(event: Extract<ChatEvent, { type: "router" }>): string {
  switch (event.status) {
    case "cgnat":
      return `Over IPv4 nobody outside can reach you: ${sharedAddress(event)}.`;
    case "double-nat":
      return `Over IPv4 nobody outside can reach you: another router stands between yours and ` +
        "the Internet (double NAT).";
    case "refused":
      return `Over IPv4 your router refused to open the port (${
        sanitize(event.detail ?? "no reason given")
      }).`;
    case "off":
      return "";
    default:
      return "Over IPv4 no router answered a request to open the port.";
  }
}

/** One sentence: why the IPv6 way is not open either. */
function ipv6Closed(v6: RouterIpv6): string {
  switch (v6.status) {
    case "no-ipv6":
      return "Nor is there another way in: this computer has no IPv6 connection.";
    case "refused":
      return `Nor would your router open its IPv6 firewall (${
        sanitize(v6.detail ?? "no reason given")
      }).`;
    default:
      return "Nor did your router answer a request to open its IPv6 firewall.";
  }
}

function renderRooms(event: Extract<ChatEvent, { type: "rooms" }>, s: Style): string {
  if (event.rooms.length === 0) {
    return "No rooms were heard on this network.\n" +
      s.dim(
        "(The host may have turned announcing off with --no-announce, or be on another " +
          "network: join with rt ADDRESS PORT.)",
      );
  }
  const count = event.rooms.length === 1 ? "1 room" : `${event.rooms.length} rooms`;
  const width = String(event.rooms.length).length;
  return [
    `${count} on this network:`,
    ...event.rooms.map((r, i) =>
      `  ${String(i + 1).padStart(width)}. ${s.bold(sanitize(r.name))} ` +
      s.dim("hosted by ") + s.name(r.host, sanitize(r.host)) +
      s.dim(` at ${sanitize(r.address)} port ${r.port}`) + "\n" +
      `  ${" ".repeat(width)}  ${s.dim(`host key ${r.fingerprint}`)}`
    ),
  ].join("\n");
}

/** `text` as a sentence: a capital first letter and a full stop (unless it has its own). */
function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
