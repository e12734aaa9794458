/**
 * The shell of transfers when a member's connection to the host drops half way and comes back
 * (`linkDropped`, `linkBack`): the transfer carries on by itself from where it stopped, either
 * way, into the same place, and arrives whole; only the rest crosses.
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import type { RoomMessage } from "../../lib/codec/messages.ts";
import { WINDOW_BYTES } from "../../lib/files/wire.ts";
import { randomBytes } from "./support.ts";
import { type Member, type Room, source, tick, withRoom } from "./transfers_room.ts";

/** Bytes of content frames `member` takes from now on (counted before they are handled). */
function countContent(member: Member, pauseAfter = Infinity): { bytes: number } {
  const seen = { bytes: 0 };
  let chunks = 0;
  member.onMessage = (message: RoomMessage) => {
    if (message.t !== "data" || message.from === member.name) return;
    seen.bytes += message.body.length;
    if (++chunks === pauseAfter) member.paused = true;
  };
  return seen;
}

/** ann offers bob `paths`; bob accepts; resolves once bob holds part and his link is held. */
async function halfWay(room: Room, paths: string[]) {
  const ann = room.join("ann");
  const bob = room.join("bob");
  await ann.transfers.send("bob", paths);
  const offer = await bob.next("file-offer");
  const sent = (await ann.next("file-offered")).id;
  countContent(bob, 20);
  await bob.transfers.accept(offer.id);
  while (!bob.paused) await tick(1);
  await bob.next("file-progress", (e) => e.done > 0);
  return { ann, bob, received: offer.id, sent };
}

Deno.test("the recipient's connection drops half way: back, the file carries on by itself", async () => {
  await withRoom(async (room) => {
    const content = randomBytes(3 * WINDOW_BYTES);
    const path = await source(room, "big.bin", content);
    const { ann, bob, received, sent } = await halfWay(room, [path]);
    bob.drop();
    const stopped = await bob.next("file-stopped", (e) => e.id === received);
    assertEquals([stopped.reason, stopped.by, stopped.resumable], ["interrupted", null, true]);
    assertOk(/connection dropped.*once rt is back/.test(stopped.text), stopped.text);
    bob.resume();
    await tick(50);
    // ann's side has not heard: it waits for acknowledgements that do not come.
    assertEquals(ann.of("file-stopped"), []);
    const [part] = await bob.partials();
    assertOk(part, "no part kept");

    const after = countContent(bob);
    bob.back();
    const theirs = await ann.next("file-stopped", (e) => e.id === sent);
    assertEquals([theirs.reason, theirs.by, theirs.resumable], ["interrupted", "peer", true]);
    const again = await ann.next("file-offered", (e) => e.id !== sent);
    assertEquals(again.resumes, sent);
    const offer = await bob.next("file-offer", (e) => e.id !== received);
    assertEquals([offer.autoAccepted, offer.resumes], [true, received]);
    assertOk(offer.held > 0 && offer.held < content.length, `held ${offer.held}`);
    const saved = await bob.next("file-saved");
    assertEquals(saved.path, join(bob.downloads, "big.bin"));
    assertEquals(await Deno.readFile(saved.path), content);
    await ann.next("file-done", (e) => e.id === again.id);
    await bob.next("file-done", (e) => e.id === offer.id);
    // Only the rest crossed again (each chunk carries 16 bytes of tag).
    assertOk(after.bytes < content.length - offer.held + 1024 * 16, `${after.bytes} bytes`);
    assertEquals(await bob.partials(), []);
    assertEquals(await bob.saved(), ["big.bin"]);
    for (const member of [ann, bob]) assertEquals(member.of("error"), [], member.name);
  });
});

Deno.test("the sender's connection drops half way: back, it offers the files again", async () => {
  await withRoom(async (room) => {
    const content = randomBytes(3 * WINDOW_BYTES);
    const path = await source(room, "big.bin", content);
    const { ann, bob, received, sent } = await halfWay(room, [path]);
    ann.drop();
    const mine = await ann.next("file-stopped", (e) => e.id === sent);
    assertEquals([mine.reason, mine.direction, mine.resumable], ["interrupted", "send", true]);
    // What reached bob before the drop is written; then nothing comes.
    bob.resume();
    await tick(50);
    assertEquals(bob.of("file-stopped"), []);

    const after = countContent(bob);
    ann.back();
    const again = await ann.next("file-offered", (e) => e.id !== sent);
    assertEquals(again.resumes, sent);
    assertOk(again.note?.includes("after the connection came back"), again.note);
    const stopped = await bob.next("file-stopped", (e) => e.id === received);
    assertEquals([stopped.reason, stopped.by, stopped.resumable], ["interrupted", "peer", true]);
    const offer = await bob.next("file-offer", (e) => e.id !== received);
    assertEquals([offer.autoAccepted, offer.resumes], [true, received]);
    const saved = await bob.next("file-saved");
    assertEquals(await Deno.readFile(saved.path), content);
    await ann.next("file-done", (e) => e.id === again.id);
    assertOk(offer.held > 0, `held ${offer.held}`);
    assertOk(after.bytes < content.length - offer.held + 1024 * 16, `${after.bytes} bytes`);
    assertEquals(await bob.saved(), ["big.bin"]);
    for (const member of [ann, bob]) assertEquals(member.of("error"), [], member.name);
  });
});

Deno.test("a folder carries on into the same folder; what was saved is not sent again", async () => {
  await withRoom(async (room) => {
    const folder = join(room.dir, "sources", "album");
    await Deno.mkdir(folder, { recursive: true });
    const small = new TextEncoder().encode("first\n");
    const big = randomBytes(3 * WINDOW_BYTES);
    await Deno.writeFile(join(folder, "1-small.txt"), small);
    await Deno.writeFile(join(folder, "2-big.bin"), big);
    const { ann, bob, received } = await halfWay(room, [folder]);
    await bob.next("file-saved", (e) => e.name === "album/1-small.txt");
    bob.drop();
    await bob.next("file-stopped", (e) => e.id === received);
    bob.resume();
    await tick(50);
    bob.back();
    const offer = await bob.next("file-offer", (e) => e.id !== received);
    assertEquals(offer.autoAccepted, true);
    await bob.next("file-done", (e) => e.id === offer.id);
    await ann.next("file-done");
    // Into album, not a new "album (1)"; the small file saved once.
    assertEquals(await bob.saved(), [join("album", "1-small.txt"), join("album", "2-big.bin")]);
    assertEquals(await Deno.readFile(join(bob.downloads, "album", "2-big.bin")), big);
    assertEquals(await Deno.readFile(join(bob.downloads, "album", "1-small.txt")), small);
    assertEquals(bob.of("file-saved").map((e) => e.name), ["album/1-small.txt", "album/2-big.bin"]);
    assertEquals(await bob.partials(), []);
  });
});

Deno.test("cancelled while away: nothing carries on, and the other side is told once back", async () => {
  await withRoom(async (room) => {
    const path = await source(room, "big.bin", randomBytes(3 * WINDOW_BYTES));
    const { ann, bob, received, sent } = await halfWay(room, [path]);
    bob.drop();
    await bob.next("file-stopped", (e) => e.id === received);
    bob.transfers.cancel(received);
    await bob.next("file-stopped", (e) => e.id === received && e.reason === "cancelled");
    bob.resume();
    await tick(50);
    assertEquals(await bob.partials(), []);
    bob.back();
    const theirs = await ann.next("file-stopped", (e) => e.id === sent);
    assertEquals([theirs.reason, theirs.by], ["cancelled", "peer"]);
    await tick(50);
    assertEquals(ann.of("file-offered").length, 1);
    assertEquals(bob.of("file-offer").length, 1);
  });
});
