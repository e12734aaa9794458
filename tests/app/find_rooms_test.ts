/** `rt find`'s flow with a stand-in interface, over loopback; and how the rooms are shown. */
import dgram from "node:dgram";
import { assertEquals, assertOk } from "../assert.ts";
import { checkingHostKey, findRooms } from "../../lib/app/find_rooms.ts";
import { Announcer } from "../../lib/discovery/mod.ts";
import { fingerprint, generateIdentity } from "../../lib/identity/keys.ts";
import { renderEvent } from "../../lib/tui/render.ts";
import type { ChatEvent } from "../../lib/tui/events.ts";
import type { ChatUi, Question, UserInput } from "../../lib/tui/ui.ts";

/** Records what is shown; answers questions from a list. */
class FakeUi implements ChatUi {
  readonly shown: ChatEvent[] = [];
  readonly asked: Question[] = [];
  readonly #answers: UserInput[];

  constructor(answers: UserInput[] = []) {
    this.#answers = answers;
  }
  show(event: ChatEvent): void {
    this.shown.push(event);
  }
  ask(question: Question): Promise<UserInput> {
    this.asked.push(question);
    return Promise.resolve(this.#answers.shift() ?? { kind: "end" });
  }
  next(): Promise<UserInput> {
    return Promise.resolve({ kind: "end" });
  }
  setPrompt(): void {}
  configure(): void {}
  interrupt(): void {}
  status(): void {}
  close(): void {}
}

/** A UDP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const key = generateIdentity().publicKey;
const noJoining = () => Promise.reject(new Error("should not join"));

function announceTo(port: number, room: string, tcpPort: number): Announcer {
  return Announcer.start({
    room,
    host: "hana",
    port: tcpPort,
    publicKey: key,
    intervalMs: 100,
    routes: () => [{ local: "127.0.0.1", destinations: [{ address: "127.0.0.1", port }] }],
  });
}

Deno.test("listing only (--json): one rooms event, exit 0, nothing asked", async () => {
  const port = await freePort();
  const announcer = announceTo(port, "Book club", 40100);
  try {
    const ui = new FakeUi();
    const status = await findRooms(ui, {
      waitMs: 400,
      choose: false,
      joinOptions: noJoining,
      listen: { port, bind: "127.0.0.1", group: null },
    });
    assertEquals(status, 0);
    assertEquals(ui.shown, [{
      type: "rooms",
      rooms: [{
        name: "Book club",
        host: "hana",
        address: "127.0.0.1",
        port: 40100,
        fingerprint: fingerprint(key),
      }],
    }]);
    assertEquals(ui.asked, []);
  } finally {
    await announcer.stop();
  }
});

Deno.test("no rooms: says so, exit 1, nothing asked", async () => {
  const ui = new FakeUi();
  const status = await findRooms(ui, {
    waitMs: 200,
    choose: true,
    joinOptions: noJoining,
    listen: { port: 0, bind: "127.0.0.1", group: null },
  });
  assertEquals(status, 1);
  assertEquals(ui.shown.at(-1), { type: "rooms", rooms: [] });
  assertEquals(ui.asked, []);
});

Deno.test("choosing: a wrong number is asked again; Enter alone joins none", async () => {
  const port = await freePort();
  const announcer = announceTo(port, "r", 40101);
  try {
    const ui = new FakeUi([{ kind: "line", text: "2" }, { kind: "line", text: "" }]);
    const status = await findRooms(ui, {
      waitMs: 300,
      choose: true,
      joinOptions: noJoining,
      listen: { port, bind: "127.0.0.1", group: null },
    });
    assertEquals(status, 0);
    assertEquals(ui.asked.length, 2);
    assertOk(ui.shown.some((e) => e.type === "notice" && e.text.includes("no room 2")));
    const cancelled = new FakeUi([{ kind: "interrupt" }]);
    assertEquals(
      await findRooms(cancelled, {
        waitMs: 300,
        choose: true,
        joinOptions: noJoining,
        listen: { port, bind: "127.0.0.1", group: null },
      }),
      130,
    );
  } finally {
    await announcer.stop();
  }
});

Deno.test("the listening port in use by another program: an error, exit 1", async () => {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  try {
    const ui = new FakeUi();
    const status = await findRooms(ui, {
      waitMs: 100,
      choose: false,
      joinOptions: noJoining,
      listen: { port: socket.address().port, bind: "127.0.0.1", group: null },
    });
    assertEquals(status, 1);
    const error = ui.shown.at(-1);
    assertOk(error?.type === "error" && error.code === "find-failed", JSON.stringify(error));
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

Deno.test("joining: a host with another key than announced brings a loud warning", () => {
  const ui = new FakeUi();
  const checked = checkingHostKey(ui, "11111 11111 11111 11111 11111 11111");
  const member = (name: string, host: boolean, fp: string) => ({
    name,
    host,
    since: "2026-11-21T10:00:00.000Z",
    fingerprint: fp,
    status: "new" as const,
  });
  const welcome = (hostFp: string): ChatEvent => ({
    type: "welcome",
    name: "bob",
    host: false,
    fingerprint: "22222 22222 22222 22222 22222 22222",
    members: [member("hana", true, hostFp), member("bob", false, "2")],
  });
  checked.show(welcome("11111 11111 11111 11111 11111 11111"));
  assertEquals(ui.shown.length, 1, "the key announced: no warning");
  checked.show(welcome("99999 99999 99999 99999 99999 99999"));
  const warning = ui.shown.at(-1);
  assertOk(warning?.type === "warning" && warning.code === "host-key-mismatch");
  assertEquals(warning.name, "hana");
});

Deno.test("rendering: the rooms, numbered, with their keys; names made harmless", () => {
  const rooms = [
    { name: "Book club", host: "kai", address: "10.0.0.2", port: 40125, fingerprint: "1 2" },
    { name: "evil\x1b[2J", host: "h\u202e", address: "10.0.0.3", port: 1, fingerprint: "3 4" },
  ];
  assertEquals(
    renderEvent({ type: "rooms", rooms }),
    [
      "2 rooms on this network:",
      "  1. Book club hosted by kai at 10.0.0.2 port 40125",
      "     host key 1 2",
      "  2. evil\\x1b[2J hosted by h\\u{202e} at 10.0.0.3 port 1",
      "     host key 3 4",
    ].join("\n"),
  );
  assertOk(renderEvent({ type: "rooms", rooms: [] })!.startsWith("No rooms were heard"));
  assertOk(renderEvent({ type: "rooms", rooms: rooms.slice(0, 1) })!.startsWith("1 room on"));
});
