/** `rt find`'s flow with a stand-in interface, over loopback; and how the rooms are shown. */
import dgram from "node:dgram";
import { assertEquals, assertOk } from "../assert.ts";
import { findRooms } from "../../lib/app/find_rooms.ts";
import type { JoinRoomOptions } from "../../lib/app/join_room.ts";
import { LocalSession } from "../../lib/client/session.ts";
import { Announcer } from "../../lib/discovery/mod.ts";
import { RoomHost } from "../../lib/host/host.ts";
import { fingerprint, generateIdentity, type Identity } from "../../lib/identity/keys.ts";
import { Room } from "../../lib/room/room.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";
import { renderEvent } from "../../lib/tui/render.ts";
import type { ChatEvent } from "../../lib/events.ts";
import type { ChatUi, Question, UserInput } from "../../lib/tui/ui.ts";

/** Records what is shown; answers questions from a list. */
class FakeUi implements ChatUi {
  readonly shown: ChatEvent[] = [];
  readonly asked: Question[] = [];
  /** What was shown and asked, in order. */
  readonly log: ({ shown: ChatEvent } | { asked: Question })[] = [];
  readonly #answers: UserInput[];

  constructor(answers: UserInput[] = []) {
    this.#answers = answers;
  }
  show(event: ChatEvent): void {
    this.shown.push(event);
    this.log.push({ shown: event });
  }
  ask(question: Question): Promise<UserInput> {
    this.asked.push(question);
    this.log.push({ asked: question });
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

/** A real room on 127.0.0.1 hosted with `identity`, its host seated as "hana". */
async function hostRoom(identity: Identity): Promise<{ host: RoomHost; port: number }> {
  const room = new Room();
  const host = RoomHost.start(room, {
    password: () => "pw",
    identity,
    bind: "127.0.0.1",
    port: 0,
    onNotice: () => {},
  });
  const seat = new LocalSession(room, identity.publicKey);
  seat.send({ t: "join", name: "hana" });
  const welcome = await seat.next();
  assertEquals(welcome?.t, "welcome");
  return { host, port: host.port };
}

/**
 * Hosts a room as "hana" with `proven`, announces it with `announced`, and runs `rt find`
 * (choosing the room, then answering the name question with `name`, or leaving there) for a
 * finder whose peer book holds `known`. Returns what the finder was shown and asked.
 */
async function findAndJoin(options: {
  proven: Identity;
  announced: Uint8Array;
  known: { name: string; key: Uint8Array; verified: boolean }[];
  name?: string;
}): Promise<{ ui: FakeUi; status: number }> {
  const { host, port: roomPort } = await hostRoom(options.proven);
  const port = await freePort();
  const announcer = Announcer.start({
    room: "hana's room",
    host: "hana",
    port: roomPort,
    publicKey: options.announced,
    intervalMs: 100,
    routes: () => [{ local: "127.0.0.1", destinations: [{ address: "127.0.0.1", port }] }],
  });
  const downloads = await Deno.makeTempDir();
  try {
    const peers = PeerBook.inMemory();
    for (const k of options.known) {
      peers.record(k.name, k.key);
      if (k.verified) peers.trust(k.key);
    }
    const ui = new FakeUi([
      { kind: "line", text: "1" },
      options.name === undefined ? { kind: "end" } : { kind: "line", text: options.name },
    ]);
    const joinOptions = (): Promise<JoinRoomOptions> =>
      Promise.resolve({
        loginName: "bob",
        password: "pw",
        handshakeTimeoutMs: 10_000,
        identity: generateIdentity(),
        peers,
        files: { downloads },
      });
    const status = await findRooms(ui, {
      waitMs: 400,
      choose: true,
      joinOptions,
      listen: { port, bind: "127.0.0.1", group: null },
    });
    return { ui, status };
  } finally {
    await announcer.stop();
    await host.close();
    await Deno.remove(downloads, { recursive: true });
  }
}

/** Where in the log the name was asked (the second question: the first picks the room). */
function nameAsked(ui: FakeUi): number {
  const questions = ui.log.flatMap((entry, i) => "asked" in entry ? [i] : []);
  assertEquals(questions.length, 2, JSON.stringify(ui.log));
  return questions[1]!;
}

/** Where in the log the first event passing `match` was shown (-1: never). */
function shownAt(ui: FakeUi, match: (event: ChatEvent) => boolean): number {
  return ui.log.findIndex((entry) => "shown" in entry && match(entry.shown));
}

Deno.test("joining: a host proving another key than announced is warned of before the name is asked", async () => {
  const real = generateIdentity(), other = generateIdentity();
  const { ui, status } = await findAndJoin({ proven: other, announced: real.publicKey, known: [] });
  // Ctrl+D at the name question: a prompt cancelled, as at the password prompt.
  assertEquals(status, 130, "leaving at the name question");
  const warning = shownAt(ui, (e) => e.type === "warning" && e.code === "host-key-mismatch");
  assertOk(warning >= 0 && warning < nameAsked(ui), JSON.stringify(ui.log));
  const shown = ui.log[warning]!;
  assertOk("shown" in shown && shown.shown.type === "warning");
  assertOk(shown.shown.text.includes(fingerprint(other.publicKey)), "the key proven");
  assertOk(shown.shown.text.includes(fingerprint(real.publicKey)), "the key announced");
  const hostKey = ui.shown.find((e) => e.type === "host-key");
  assertOk(hostKey?.type === "host-key", JSON.stringify(ui.shown));
  assertEquals([hostKey.fingerprint, hostKey.status], [fingerprint(other.publicKey), "new"]);
  assertOk(!ui.shown.some((e) => e.type === "welcome"), "nothing was sent: no welcome");
});

Deno.test("joining: a room announced as a host you know, proving another key: KEY CHANGED before the name", async () => {
  const real = generateIdentity(), impostor = generateIdentity();
  const { ui } = await findAndJoin({
    proven: impostor,
    announced: impostor.publicKey,
    known: [{ name: "hana", key: real.publicKey, verified: true }],
  });
  const hostKey = shownAt(ui, (e) => e.type === "host-key");
  const changed = shownAt(ui, (e) => e.type === "warning" && e.code === "key-changed");
  const asked = nameAsked(ui);
  assertOk(hostKey >= 0 && changed >= 0 && changed < asked, JSON.stringify(ui.log));
  const event = ui.log[hostKey]!;
  assertOk("shown" in event && event.shown.type === "host-key");
  assertEquals([event.shown.fingerprint, event.shown.status], [
    fingerprint(impostor.publicKey),
    "key-changed",
  ]);
  assertEquals(shownAt(ui, (e) => e.type === "warning" && e.code === "host-key-mismatch"), -1);
});

Deno.test("joining: the host you verified, proving the key announced: no warning, verified", async () => {
  const hana = generateIdentity();
  const { ui, status } = await findAndJoin({
    proven: hana,
    announced: hana.publicKey,
    known: [{ name: "hana", key: hana.publicKey, verified: true }],
    name: "bob",
  });
  assertEquals(status, 0);
  const hostKey = shownAt(ui, (e) => e.type === "host-key");
  assertOk(hostKey >= 0 && hostKey < nameAsked(ui), JSON.stringify(ui.log));
  const event = ui.log[hostKey]!;
  assertOk("shown" in event && event.shown.type === "host-key");
  assertEquals([event.shown.status, event.shown.names], ["verified", ["hana"]]);
  assertEquals(ui.shown.filter((e) => e.type === "warning"), []);
  const welcome = ui.shown.find((e) => e.type === "welcome");
  assertOk(welcome?.type === "welcome", JSON.stringify(ui.shown));
  assertEquals(welcome.members.find((m) => m.host)?.status, "verified");
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
