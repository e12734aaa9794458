/**
 * A link that goes down inside a network namespace (`ip link set … down`, as a cable pulled or
 * Wi-Fi lost: nothing is said to either end) and comes back 20 s later: the chat carries on,
 * what was typed meanwhile arrives, in order, and nobody is seen to leave.
 *
 * Needs root and iproute2 (skipped otherwise).
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { randomFile, sha256File } from "../files/support.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { Lan, netnsAvailable, NsProcess } from "./netns.ts";

const DOWN_MS = 20_000;

/**
 * A LAN of three namespaces: hana hosts in the first, alice joins from the second and bob from
 * the third (whose link the test takes down). `bobRate`: bob's link is slow (e.g. `40mbit`).
 */
class LanRoom implements AsyncDisposable {
  readonly lan: Lan;
  readonly #processes: NsProcess[] = [];

  private constructor(lan: Lan) {
    this.lan = lan;
  }

  static async open(bobRate?: string) {
    const room = new LanRoom(await Lan.create(3));
    if (bobRate) await room.lan.shape(2, bobRate);
    const hana = room.#spawn("hana", 0, ["--port", "0", "--no-upnp", "--name", "hana"]);
    const { port } = await hana.next("listening");
    await hana.next("welcome", (e) => e.host);
    const join = async (i: number, name: string) => {
      const p = room.#spawn(name, i, [room.lan.address(0), String(port), "--name", name]);
      await p.next("welcome", (e) => e.name === name);
      return p;
    };
    const alice = await join(1, "alice");
    const bob = await join(2, "bob");
    await alice.next("joined", (e) => e.name === "bob");
    return { room, hana, alice, bob };
  }

  #spawn(name: string, i: number, args: string[]): NsProcess {
    const p = new NsProcess(name, this.lan.namespaces[i]!, args, { password: "pw" });
    this.#processes.push(p);
    return p;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const p of this.#processes) await p.dispose();
    await this.lan.cleanup();
  }
}

Deno.test({
  name: "a link down for 20 s: the chat carries on, and what was typed arrives",
  ignore: !netnsAvailable(),
  fn: async () => {
    const opened = await LanRoom.open();
    await using _room = opened.room;
    const { room: { lan }, alice, bob } = opened;
    const sinceAlice = alice.events.length;
    const sinceBob = bob.events.length;

    await lan.link(2, "down");
    await bob.type("typed while the cable was out 1");
    await alice.type("said while bob's cable was out");
    await bob.type("typed while the cable was out 2");
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    await lan.link(2, "up");

    // What bob typed arrives, in order, once the link is back (over the same connection,
    // or a new one if rt noticed the drop).
    const from = (p: NsProcess, since: number, who: string) =>
      p.events.slice(since).filter((e): e is Extract<ChatEvent, { type: "message" }> =>
        e.type === "message" && e.from === who
      ).map((e) => e.text);
    await alice.next("message", (e) => e.text === "typed while the cable was out 2", 60_000);
    assertEquals(from(alice, sinceAlice, "bob"), [
      "typed while the cable was out 1",
      "typed while the cable was out 2",
    ]);
    // The chat carries on both ways.
    await alice.type("welcome back");
    await bob.next("message", (e) => e.text === "welcome back", 30_000);
    await bob.type("glad to be back");
    await alice.next("message", (e) => e.text === "glad to be back");
    // Nobody was seen to leave or join.
    for (const [p, since] of [[alice, sinceAlice], [bob, sinceBob]] as const) {
      const comings = p.events.slice(since).filter((e) => e.type === "left" || e.type === "joined");
      assertEquals(comings, [], `${p.label}\n${p.describe()}`);
    }
    assertOk(!bob.events.some((e) => e.type === "error" && e.code === "room-gone"));
    const came = bob.events.slice(sinceBob).some((e) => e.type === "reconnected");
    console.log(
      `  bob ${came ? "came back on a new connection" : "carried on over the same one"}`,
    );
  },
});

Deno.test({
  name: "a link down for 20 s with a file moving to it: the file carries on and arrives whole",
  ignore: !netnsAvailable(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rt-link-down-" });
    try {
      const source = join(dir, "film.bin");
      await randomFile(source, SIZE);
      const expected = await sha256File(source);
      // Bob's link is slow (as Wi-Fi far from the router), so the file is still moving when it
      // goes down.
      const opened = await LanRoom.open("40mbit");
      await using _room = opened.room;
      const { room: { lan }, alice, bob } = opened;
      await alice.type(`/send bob ${source}`);
      const offer = await bob.next("file-offer", () => true, 60_000);
      await bob.type(`/accept ${offer.id}`);
      await bob.next("file-progress", (e) => e.id === offer.id && e.done > 2 * MB, 60_000);

      await lan.link(2, "down");
      await bob.type("typed with the cable out");
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      await lan.link(2, "up");

      // The file arrives whole: through the same transfer if the connection lived, or carried
      // on by a new one (offered again by rt, taken at once) if it did not.
      const saved = await bob.next("file-saved", () => true, TRANSFER_MS);
      assertEquals(await sha256File(saved.path), expected, "the file that arrived");
      await alice.next("message", (e) => e.text === "typed with the cable out", 60_000);
      const stopped = bob.events.filter((e) => e.type === "file-stopped");
      const came = bob.events.some((e) => e.type === "reconnected");
      console.log(
        `  bob ${came ? "came back on a new connection" : "carried on over the same one"}; ` +
          `transfers stopped on the way: ${stopped.length}`,
      );
      const offers = bob.events.filter((e) => e.type === "file-offer");
      for (const o of offers.slice(1)) {
        assertOk(o.type === "file-offer" && o.autoAccepted, `asked again: ${JSON.stringify(o)}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const MB = 1024 * 1024;
/** Big enough to be moving for a while over a 40 Mbit/s link (5 MB/s): about 6 s. */
const SIZE = 30 * MB;
const TRANSFER_MS = 180_000;
