/**
 * How a member's chat ends, and what goes out for a line: the room closing, the connection
 * failing (said in its own words, and a bug in rt said to be one), a line too long for one
 * message sent in parts, one that would flood the room refused.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { ChatClient, MAX_PARTS, RoomView, type Session } from "../../lib/client/mod.ts";
import { MAX_TEXT_CHARS, type RoomMessage } from "../../lib/codec/messages.ts";
import { RtError } from "../../lib/errors.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { Room } from "../../lib/room/mod.ts";
import { PeerBook } from "../../lib/store/mod.ts";
import { join, leaveAll } from "./room_support.ts";

Deno.test("the host closing the room ends the chat as closed, saying why", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  room.close("time to go");
  assertEquals(await bob.following, "closed");
  assertEquals((await bob.shown.next("closed")).reason, "time to go");
  await ann.client.close();
  await bob.client.close();
});

/** A session that fails with `error` when read. */
function failing(error: unknown): Session {
  return {
    send() {},
    ready: () => null,
    next: () => Promise.reject(error),
    close: () => Promise.resolve(),
  };
}

/** Follows a session until it ends; what was shown, and how it ended. */
async function follow(session: Session): Promise<{ shown: ChatEvent[]; end: string | null }> {
  const me = generateIdentity();
  const welcome: Extract<RoomMessage, { t: "welcome" }> = {
    t: "welcome",
    name: "bob",
    room: new Uint8Array(16),
    members: [{ name: "bob", host: false, since: 0, key: me.publicKey }],
  };
  const view = new RoomView(welcome, { identity: me, peers: PeerBook.inMemory(), host: false });
  const shown: ChatEvent[] = [];
  const client = new ChatClient(session, view, {
    show: (e) => shown.push(e),
    downloads: "/nonexistent/rt-client-tests",
  });
  const end = await client.run();
  await client.close();
  return { shown, end };
}

Deno.test("a failed connection ends the chat as lost, saying why", async () => {
  const failed = await follow(failing(new RtError("connection-closed", "the host went away")));
  assertEquals(failed.end, "lost");
  assertEquals(failed.shown.at(-1), {
    type: "error",
    code: "connection-lost",
    message: "Lost the room: the host went away",
  });
  const ended = await follow({ ...failing(null), next: () => Promise.resolve(null) });
  assertEquals(ended.end, "lost");
  assertEquals(ended.shown.at(-1), {
    type: "error",
    code: "connection-lost",
    message: "Lost the room: the connection ended",
  });
});

Deno.test("a bug in rt while reading the room is said to be one", async () => {
  const bug = await follow(failing(new TypeError("frame.body is not a function")));
  const last = bug.shown.at(-1);
  assertOk(last?.type === "error" && /internal error in rt/.test(last.message), String(last));
});

Deno.test("a long line goes out in parts; one that would flood the room is refused", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const long = "word ".repeat(MAX_TEXT_CHARS / 2);
  ann.client.say(long);
  assertEquals((await ann.shown.next("notice")).code, "split");
  const parts = [(await bob.shown.next("message")).text];
  while (parts.join(" ").split(/\s+/).filter(Boolean).length < MAX_TEXT_CHARS / 2) {
    parts.push((await bob.shown.next("message")).text);
  }
  assertOk(parts.length > 1 && parts.every((p) => p.length <= MAX_TEXT_CHARS), `${parts.length}`);
  assertEquals(parts.join(" ").split(/\s+/).filter(Boolean).length, MAX_TEXT_CHARS / 2);
  ann.client.say("x".repeat(MAX_PARTS * MAX_TEXT_CHARS + 1));
  assertEquals((await ann.shown.next("error")).code, "too-long");
  ann.client.say("after");
  assertEquals((await bob.shown.next("message")).text, "after", "nothing of it was sent");
  await leaveAll(room, ann, bob);
});
