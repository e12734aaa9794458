import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { toHex } from "../../lib/util/mod.ts";
import { PartialStore } from "../../lib/files/partials.ts";
import { FAST_WINDOW_BYTES } from "../../lib/files/incoming.ts";
import { disk } from "../../lib/files/part_writer.ts";
import { decodeTransfer, encodeTransfer, WINDOW_BYTES } from "../../lib/files/wire.ts";
import { CAN_STREAMED_OFFERS } from "../../lib/codec/messages.ts";
import type { KeyStatus } from "../../lib/events.ts";
import { filesUnder, randomBytes } from "./support.ts";
import { type Room, sha256, source, tick, withRoom } from "./transfers_room.ts";

Deno.test("offer, accept: the file is saved in the recipient's downloads; both are done", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    const content = randomBytes(3 * 65_536 + 77);
    await ann.transfers.send("BOB", [await source(room, "cat.jpg", content)]);
    const offered = await ann.next("file-offered");
    assertEquals(offered.to, "bob");
    assertEquals(offered.files, 1);
    assertEquals(offered.total, content.length);
    const offer = await bob.next("file-offer");
    assertEquals(offer.from, "ann");
    assertEquals(offer.name, "cat.jpg");
    assertEquals(offer.held, 0);
    assertEquals(offer.autoAccepted, false);
    assertEquals(offer.files[0]!.hash, toHex(await sha256(content)));
    // Nothing is written before the answer.
    await tick(20);
    assertEquals(await filesUnder(bob.downloads), []);
    assertEquals(bob.transfers.list(), {
      type: "transfers",
      transfers: [{
        id: offer.id,
        direction: "receive",
        peer: "ann",
        name: "cat.jpg",
        files: 1,
        total: content.length,
        done: 0,
        state: "offered",
      }],
    });
    const slowBefore = disk.slow;
    await bob.transfers.accept(offer.id);
    const saved = await bob.next("file-saved");
    assertEquals(saved.path, join(bob.downloads, "cat.jpg"));
    // The accept says how much may be in flight: the wide window while bob's disk keeps up.
    const accept = bob.controls.map((c) => decodeTransfer(c.body)).find((c) =>
      c?.kind === "accept"
    );
    assertOk(accept?.kind === "accept");
    assertEquals(accept.window, slowBefore ? WINDOW_BYTES : FAST_WINDOW_BYTES);
    assertEquals(saved.size, content.length);
    assertEquals(await Deno.readFile(saved.path), content);
    const received = await bob.next("file-done");
    assertEquals(received.direction, "receive");
    assertEquals(received.peer, "ann");
    const sent = await ann.next("file-done");
    assertEquals(sent.direction, "send");
    assertEquals(sent.peer, "bob");
    assertEquals(sent.total, content.length);
    assertEquals(await bob.partials(), []);
    assertEquals(await bob.saved(), ["cat.jpg"]);
    // Progress ends at the total, on both sides.
    assertEquals(bob.of("file-progress").at(-1)?.done, content.length);
    assertEquals(ann.of("file-progress").at(-1)?.done, content.length);
    for (const member of [ann, bob]) {
      const list = member.transfers.list();
      assertOk(list.type === "transfers");
      assertEquals(list.transfers.map((t) => [t.state, t.done]), [["done", content.length]]);
      assertEquals(member.of("file-stopped"), []);
      assertEquals(member.of("error"), []);
    }
  });
});

Deno.test("a folder larger than the window arrives whole, acknowledged on the way", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    const folder = join(room.dir, "sources", "album");
    await Deno.mkdir(join(folder, "2024"), { recursive: true });
    const big = randomBytes(WINDOW_BYTES + 3 * 65_536 + 5);
    await Deno.writeFile(join(folder, "big.bin"), big);
    await Deno.writeFile(join(folder, "2024", "empty"), new Uint8Array(0));
    await Deno.writeFile(join(folder, "2024", "small.txt"), new TextEncoder().encode("hi"));
    await ann.transfers.send("bob", [folder]);
    const offer = await bob.next("file-offer");
    assertEquals(offer.name, "album");
    assertEquals(offer.files.length, 3);
    await bob.transfers.accept();
    await bob.next("file-done");
    await ann.next("file-done");
    assertEquals(await bob.saved(), [
      join("album", "2024", "empty"),
      join("album", "2024", "small.txt"),
      join("album", "big.bin"),
    ]);
    assertEquals(await Deno.readFile(join(bob.downloads, "album", "big.bin")), big);
    assertEquals(bob.of("file-saved").length, 3);
    assertEquals(await bob.partials(), []);
  });
});

Deno.test("reject: the sender is told, nothing is written", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    await ann.transfers.send("bob", [await source(room, "x.txt", randomBytes(100))]);
    const offer = await bob.next("file-offer");
    bob.transfers.reject(offer.id);
    const mine = await bob.next("file-stopped");
    assertEquals([mine.reason, mine.by, mine.resumable], ["rejected", "you", false]);
    const theirs = await ann.next("file-stopped");
    assertEquals([theirs.reason, theirs.by, theirs.direction], ["rejected", "peer", "send"]);
    assertEquals(await bob.saved(), []);
    // Answered: it no longer waits.
    await bob.transfers.accept(offer.id);
    assertEquals((await bob.next("error")).code, "no-such-transfer");
  });
});

/** Ann offers bob a file of `size`; bob accepts; resolves once bob has some of it. */
async function midway(room: Room, size = 4 * WINDOW_BYTES, can = 0) {
  const ann = room.join("ann", { can });
  const bob = room.join("bob", { can });
  const content = randomBytes(size);
  await ann.transfers.send("bob", [await source(room, "big.bin", content)]);
  const offer = await bob.next("file-offer");
  const sent = (await ann.next("file-offered")).id;
  // Bob's link holds what comes after the first chunks, so the transfer is caught half way.
  let chunks = 0;
  bob.onMessage = (message) => {
    if (message.t === "data" && ++chunks === 20) bob.paused = true;
  };
  await bob.transfers.accept(offer.id);
  while (!bob.paused) await tick(1);
  await bob.next("file-progress", (e) => e.done > 0);
  return { ann, bob, content, received: offer.id, sent };
}

Deno.test("cancel by the sender: the recipient is told and deletes what it received", async () => {
  await withRoom(async (room) => {
    const { ann, bob, sent } = await midway(room);
    assertOk((await bob.partials()).length === 1);
    ann.transfers.cancel(sent);
    const mine = await ann.next("file-stopped");
    assertEquals([mine.reason, mine.by, mine.resumable], ["cancelled", "you", false]);
    bob.resume();
    const theirs = await bob.next("file-stopped");
    assertEquals([theirs.reason, theirs.by, theirs.resumable], ["cancelled", "peer", false]);
    await tick(50);
    assertEquals(await bob.partials(), []);
    assertEquals(await bob.saved(), []);
    assertEquals(ann.of("file-done"), []);
    assertEquals(bob.of("file-done"), []);
  });
});

Deno.test("cancel by the recipient: the sender is told and stops", async () => {
  await withRoom(async (room) => {
    const { ann, bob, received } = await midway(room);
    bob.transfers.cancel(received);
    const mine = await bob.next("file-stopped");
    assertEquals([mine.reason, mine.by, mine.resumable], ["cancelled", "you", false]);
    const theirs = await ann.next("file-stopped");
    assertEquals([theirs.reason, theirs.by], ["cancelled", "peer"]);
    bob.resume();
    await tick(50);
    assertEquals(await bob.partials(), []);
    assertEquals(await bob.saved(), []);
    // Cancelled: it cannot be cancelled again.
    bob.transfers.cancel(received);
    assertEquals((await bob.next("error")).code, "no-such-transfer");
  });
});

Deno.test("the sender cancels an offer not yet answered", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    await ann.transfers.send("bob", [await source(room, "x", randomBytes(10))]);
    const offer = await bob.next("file-offer");
    ann.transfers.cancel((await ann.next("file-offered")).id);
    const stopped = await bob.next("file-stopped");
    assertEquals([stopped.reason, stopped.by, stopped.id], ["cancelled", "peer", offer.id]);
    await bob.transfers.accept(offer.id);
    assertEquals((await bob.next("error")).code, "no-such-transfer");
  });
});

for (const streamed of [false, true]) {
  const how = streamed ? " (streamed)" : "";
  Deno.test(`the sender leaving interrupts; offered again, the file carries on${how}`, async () => {
    await withRoom(async (room) => {
      const can = streamed ? CAN_STREAMED_OFFERS : 0;
      const { bob, content } = await midway(room, 4 * WINDOW_BYTES, can);
      await room.leave("ann");
      const stopped = await bob.next("file-stopped");
      assertEquals([stopped.reason, stopped.by, stopped.resumable], ["interrupted", null, true]);
      bob.resume();
      await tick(50);
      assertEquals((await bob.partials()).length, 1);
      assertEquals(await bob.saved(), []);
      const ann = room.join("ann", { can });
      await ann.transfers.send("bob", [join(room.dir, "sources", "big.bin")]);
      const offer = await bob.next("file-offer", (e) => e.id !== stopped.id);
      assertOk(offer.held > 0 && offer.held < content.length, `${offer.held}`);
      assertEquals(offer.files[0]!.hash === undefined, streamed);
      bob.onMessage = () => {};
      await bob.transfers.accept(offer.id);
      const saved = await bob.next("file-saved");
      assertEquals(await Deno.readFile(saved.path), content);
      assertEquals(saved.hash, toHex(await sha256(content)));
      await ann.next("file-done");
      assertEquals(await bob.partials(), []);
    });
  });
}

Deno.test("the recipient leaving interrupts the sender's side", async () => {
  await withRoom(async (room) => {
    const { ann } = await midway(room);
    await room.leave("bob");
    const stopped = await ann.next("file-stopped");
    assertEquals([stopped.reason, stopped.direction, stopped.resumable], [
      "interrupted",
      "send",
      false,
    ]);
  });
});

Deno.test("the sender leaving before the answer keeps a part from before", async () => {
  await withRoom(async (room) => {
    const { bob } = await midway(room);
    await room.leave("ann");
    await bob.next("file-stopped");
    bob.resume();
    await tick(50);
    const [part] = await bob.partials();
    assertOk(part);
    const held = (await Deno.stat(join(bob.downloads, ".rt-partial", part))).size;
    // Offered again, then gone again before bob answers.
    const ann = room.join("ann");
    await ann.transfers.send("bob", [join(room.dir, "sources", "big.bin")]);
    const offer = await bob.next("file-offer", (e) => e.held > 0);
    await room.leave("ann");
    const stopped = await bob.next("file-stopped", (e) => e.id === offer.id);
    assertEquals(stopped.reason, "interrupted");
    await tick(50);
    assertEquals(await bob.partials(), [part]);
    assertEquals((await Deno.stat(join(bob.downloads, ".rt-partial", part))).size, held);
  });
});

Deno.test("close() stops everything and keeps parts to resume", async () => {
  await withRoom(async (room) => {
    const { bob } = await midway(room);
    await bob.transfers.close();
    bob.resume();
    await tick(50);
    assertEquals((await bob.partials()).length, 1);
    const list = bob.transfers.list();
    assertOk(list.type === "transfers");
    assertEquals(list.transfers[0]!.state, "interrupted");
  });
});

Deno.test("auto-accept only when the sender's key is verified", async () => {
  for (const status of ["verified", "known", "new", "key-changed"] as KeyStatus[]) {
    await withRoom(async (room) => {
      const ann = room.join("Ann");
      const bob = room.join("bob", { autoAcceptFrom: ["ANN"] });
      bob.status.set("Ann", status);
      const content = randomBytes(1000);
      await ann.transfers.send("bob", [await source(room, "x.bin", content)]);
      const offer = await bob.next("file-offer");
      if (status === "verified") {
        assertEquals(offer.autoAccepted, true);
        assertEquals(offer.note, undefined);
        const saved = await bob.next("file-saved");
        assertEquals(await Deno.readFile(saved.path), content);
        await ann.next("file-done");
      } else {
        assertEquals(offer.autoAccepted, false, status);
        assertOk(offer.note?.includes("not verified"), offer.note);
        await tick(50);
        assertEquals(await filesUnder(bob.downloads), []);
        assertEquals(ann.of("file-progress"), []);
      }
    });
  }
});

Deno.test("a verified sender not listed for auto-accept waits for an answer", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob", { autoAcceptFrom: ["carol"] });
    bob.status.set("ann", "verified");
    await ann.transfers.send("bob", [await source(room, "x", randomBytes(10))]);
    const offer = await bob.next("file-offer");
    assertEquals(offer.autoAccepted, false);
    assertEquals(offer.note, undefined);
    await tick(50);
    assertEquals(await filesUnder(bob.downloads), []);
  });
});

Deno.test("/accept and /reject need an id only when several offers wait", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    await bob.transfers.accept();
    assertOk((await bob.next("error")).message.includes("No offer"));
    bob.events.length = 0;
    await ann.transfers.send("bob", [await source(room, "one", randomBytes(10))]);
    await bob.next("file-offer");
    await ann.transfers.send("bob", [await source(room, "two", randomBytes(20))]);
    await bob.next("file-offer", (e) => e.name === "two");
    await bob.transfers.accept();
    assertOk((await bob.next("error")).message.includes("Several"));
    bob.transfers.reject();
    assertEquals(bob.of("error").length, 2);
    bob.transfers.reject((bob.of("file-offer").find((e) => e.name === "one"))!.id);
    await bob.next("file-stopped");
    // One waits now: no id needed.
    await bob.transfers.accept();
    const saved = await bob.next("file-saved");
    assertEquals(saved.name, "two");
    await ann.next("file-done");
    assertEquals(await bob.saved(), ["two"]);
  });
});

Deno.test("unknown ids and unknown members are errors, not crashes", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    await ann.transfers.accept(42);
    ann.transfers.reject(42);
    ann.transfers.cancel(42);
    assertEquals(ann.of("error").map((e) => e.code), [
      "no-such-transfer",
      "no-such-transfer",
      "no-such-transfer",
    ]);
    await ann.transfers.send("zed", [await source(room, "x", randomBytes(1))]);
    assertEquals(ann.of("error").at(-1)?.code, "no-such-member");
    await ann.transfers.send("all", [join(room.dir, "sources", "x")]);
    assertEquals(ann.of("error").at(-1)?.code, "no-such-member");
    room.join("bob");
    await ann.transfers.send("bob", [join(room.dir, "sources", "missing")]);
    assertEquals(ann.of("error").at(-1)?.code, "send-failed");
    assertEquals(ann.of("file-offered"), []);
  });
});

Deno.test("/send all offers to everyone else, each with their own transfer", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    const carol = room.join("carol");
    const content = randomBytes(5000);
    await ann.transfers.send("all", [await source(room, "x", content)]);
    assertEquals(ann.of("file-offered").map((e) => e.to), ["bob", "carol"]);
    for (const member of [bob, carol]) {
      await member.transfers.accept((await member.next("file-offer")).id);
      assertEquals(await Deno.readFile((await member.next("file-saved")).path), content);
    }
    await ann.next("file-done", (e) => e.peer === "carol");
    await ann.next("file-done", (e) => e.peer === "bob");
    // Each recipient had an offer of their own, with its own id and key.
    const offers = ann.controls.map((c) => ({ to: c.to, control: decodeTransfer(c.body) }))
      .filter((o) => o.control?.kind === "offer");
    assertEquals(offers.map((o) => o.to), ["bob", "carol"]);
    const [first, second] = offers.map((o) => o.control as { id: Uint8Array; key: Uint8Array });
    assertOk(toHex(first!.key) !== toHex(second!.key));
    assertOk(toHex(first!.id) !== toHex(second!.id));
  });
});

Deno.test("messages that are not genuine transfer messages are warned about or ignored", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    await bob.transfers.receiveFile({ t: "file", from: "ann", box: new Uint8Array([1, 2]), at: 0 });
    assertEquals(bob.of("warning").at(-1)?.code, "bad-file-message");
    // Control messages and data for transfers that do not exist change nothing.
    const id = randomBytes(16);
    for (
      const body of [
        encodeTransfer({ kind: "accept", id, from: [0] }),
        encodeTransfer({ kind: "cancel", id, reason: "x" }),
        encodeTransfer({ kind: "done", id, ok: true }),
      ]
    ) await bob.transfers.receiveFile({ t: "file", from: "ann", box: body, at: 0 });
    bob.transfers.receiveData({ t: "data", from: "ann", id, n: 0, body: randomBytes(40) });
    assertEquals(bob.events.length, 1);
    // An offer from someone not in the room does not open.
    await bob.transfers.receiveFile({
      t: "file",
      from: "mallory",
      box: encodeTransfer({
        kind: "offer",
        id,
        key: randomBytes(32),
        files: [{ path: "x", size: 1, type: "t", hash: randomBytes(32) }],
      }),
      at: 0,
    });
    assertEquals(bob.of("file-offer"), []);
    assertEquals(ann.events, []);
  });
});

Deno.test("a recipient's verdict is believed only once everything was sent", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    await ann.transfers.send("bob", [await source(room, "x", randomBytes(10))]);
    const offer = await bob.next("file-offer");
    // A "done" before the accept: ignored.
    const wire = ann.controls[0]!.body;
    const control = decodeTransfer(wire);
    assertOk(control?.kind === "offer");
    await ann.transfers.receiveFile({
      t: "file",
      from: "bob",
      box: encodeTransfer({ kind: "done", id: control.id, ok: true }),
      at: 0,
    });
    assertEquals(ann.of("file-done"), []);
    await bob.transfers.accept(offer.id);
    await ann.next("file-done");
    assertEquals(ann.of("file-done").length, 1);
  });
});

Deno.test("a forged acknowledgement ends the sender's transfer as failed", async () => {
  await withRoom(async (room) => {
    const { ann, bob } = await midway(room);
    const offer = ann.controls.find((c) => c.to === "bob")!;
    const control = decodeTransfer(offer.body);
    assertOk(control?.kind === "offer");
    // The sender has had no acknowledgement yet (bob's link is held), so the next is number 0;
    // but this one is not sealed under the transfer's key.
    ann.transfers.receiveData({
      t: "data",
      from: "bob",
      id: control.id,
      n: 0,
      body: randomBytes(24),
    });
    const stopped = await ann.next("file-stopped");
    assertEquals([stopped.reason, stopped.by], ["failed", null]);
    const cancel = decodeTransfer(ann.controls.at(-1)!.body);
    assertOk(cancel?.kind === "cancel");
    // Stopped by ann's rt, not by ann: bob keeps what he has, to carry on from.
    assertEquals(cancel.resumable, true);
    bob.resume();
    const theirs = await bob.next("file-stopped");
    assertEquals([theirs.reason, theirs.by, theirs.resumable], ["failed", "peer", true]);
    await tick(50);
    assertEquals((await bob.partials()).length, 1);
  });
});

Deno.test("a file that is corrupt on arrival is reported to both, and not kept", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    const path = await source(room, "x.bin", randomBytes(200_000));
    await ann.transfers.send("bob", [path]);
    const offer = await bob.next("file-offer");
    // Changed after it was hashed, same size: only the hash can tell.
    await Deno.writeFile(path, randomBytes(200_000));
    await bob.transfers.accept(offer.id);
    const mine = await bob.next("file-stopped");
    assertEquals([mine.reason, mine.resumable], ["corrupt", false]);
    const theirs = await ann.next("file-stopped");
    assertEquals([theirs.reason, theirs.by], ["corrupt", "peer"]);
    await tick(50);
    assertEquals(await filesUnder(bob.downloads), []);
  });
});

Deno.test("an offer of an empty file completes on both sides", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    await ann.transfers.send("bob", [await source(room, "empty", new Uint8Array(0))]);
    await bob.transfers.accept((await bob.next("file-offer")).id);
    assertEquals((await bob.next("file-saved")).size, 0);
    await bob.next("file-done");
    await ann.next("file-done");
    assertEquals(await bob.saved(), ["empty"]);
  });
});

Deno.test("streamed to a member that can take it: nothing hashed first, checked all the same", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann", { can: CAN_STREAMED_OFFERS });
    const bob = room.join("bob", { can: CAN_STREAMED_OFFERS });
    const content = randomBytes(3 * 1024 * 1024 + 5);
    await ann.transfers.send("bob", [await source(room, "x.bin", content)]);
    const offer = await bob.next("file-offer");
    assertEquals(offer.files.map((f) => [f.path, f.size, f.hash]), [
      ["x.bin", content.length, undefined],
    ]);
    assertEquals(ann.of("file-preparing"), []);
    await bob.transfers.accept(offer.id);
    const saved = await bob.next("file-saved");
    assertEquals(saved.hash, toHex(await sha256(content)));
    assertEquals(await Deno.readFile(saved.path), content);
    await bob.next("file-done");
    await ann.next("file-done");
    assertEquals(await bob.partials(), []);
  });
});

Deno.test("/send all when one member cannot take a streamed offer: hashed first, for all", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann", { can: CAN_STREAMED_OFFERS, progressMs: 0 });
    const bob = room.join("bob", { can: CAN_STREAMED_OFFERS });
    const cy = room.join("cy");
    const content = randomBytes(2 * 1024 * 1024);
    await ann.transfers.send("all", [await source(room, "x.bin", content)]);
    const hash = toHex(await sha256(content));
    for (const member of [bob, cy]) {
      const offer = await member.next("file-offer");
      assertEquals(offer.files.map((f) => f.hash), [hash]);
    }
    assertEquals(ann.of("file-preparing").at(-1)?.done, content.length);
  });
});

Deno.test("a file held whole from before is saved without sending it again", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    const content = randomBytes(300_000);
    const partials = new PartialStore(bob.downloads);
    await partials.prepare();
    await Deno.writeFile(partials.pathFor(ann.key, await sha256(content)), content);
    let chunks = 0;
    bob.onMessage = (message) => {
      if (message.t === "data") chunks++;
    };
    await ann.transfers.send("bob", [await source(room, "x.bin", content)]);
    const offer = await bob.next("file-offer");
    assertEquals(offer.held, content.length);
    await bob.transfers.accept(offer.id);
    assertEquals(await Deno.readFile((await bob.next("file-saved")).path), content);
    await ann.next("file-done");
    assertEquals(chunks, 0);
    assertEquals(await bob.partials(), []);
  });
});

Deno.test("nothing is offered to a member whose key changed: the sender is told why", async () => {
  await withRoom(async (room) => {
    const ann = room.join("ann");
    const bob = room.join("bob");
    room.join("cat");
    ann.status.set("bob", "key-changed");
    await ann.transfers.send("all", [await source(room, "secret.pdf", randomBytes(1000))]);
    const warning = await ann.next("warning");
    assertEquals([warning.code, warning.name], ["key-changed", "bob"]);
    const offered = await ann.next("file-offered");
    assertEquals(offered.to, "cat");
    await tick(20);
    assertEquals(bob.events.filter((e) => e.type === "file-offer"), []);
  });
});
