/**
 * LAN discovery end to end: hosts announce their rooms in one network namespace, `rt find`
 * hears them in another, over a bridge (multicast and broadcast as on a real LAN). Needs root
 * and iproute2, and is skipped without them (CI runs as root).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { Lan, netnsAvailable, NsProcess } from "./netns.ts";

const ignore = !netnsAvailable();

/** Every process of one test, ended at cleanup, then the LAN deleted. */
class Scope {
  readonly lan: Lan;
  readonly #processes: NsProcess[] = [];

  constructor(lan: Lan) {
    this.lan = lan;
  }

  static async create(size = 2): Promise<Scope> {
    return new Scope(await Lan.create(size));
  }

  spawn(...args: ConstructorParameters<typeof NsProcess>): NsProcess {
    const process = new NsProcess(...args);
    this.#processes.push(process);
    return process;
  }

  /** Starts a host in namespace 0 on every address; waits until it is seated. */
  async host(name: string, args: string[] = []) {
    const process = this.spawn(
      name,
      this.lan.namespaces[0]!,
      ["--port", "0", "--no-upnp", "--name", name, ...args],
      { password: "pw" },
    );
    const { port } = await process.next("listening");
    const { fingerprint } = await process.next("welcome", (e) => e.host);
    return { process, port, fingerprint };
  }

  /** Runs `rt find --json` in namespace 1 to its end. */
  async find(wait = 2) {
    const finder = this.spawn("finder", this.lan.namespaces[1]!, ["find", "--wait", `${wait}`]);
    await finder.closeStdin();
    const code = await finder.exit();
    const rooms = finder.events.filter((e) => e.type === "rooms");
    assertEquals(rooms.length, 1, `one rooms event, and only that\n${finder.describe()}`);
    assertEquals(finder.events.length, 1, finder.describe());
    return { code, rooms: rooms[0]!.type === "rooms" ? rooms[0]!.rooms : [], finder };
  }

  describe(): string {
    return this.#processes.map((p) => p.describe()).join("\n");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await Promise.all(this.#processes.map((p) => p.dispose()));
    } finally {
      await this.lan.cleanup();
    }
  }
}

Deno.test({
  name: "rt find hears the rooms of another machine on the LAN: address, port, names, key",
  ignore,
  async fn() {
    await using scope = await Scope.create();
    const hana = await scope.host("hana");
    const kai = await scope.host("kai", ["--room", "Book club"]);
    assertOk(
      hana.process.events.some((e) => e.type === "notice" && e.code === "announced"),
      hana.process.describe(),
    );
    const { code, rooms, finder } = await scope.find();
    assertEquals(code, 0, finder.describe());
    const address = scope.lan.address(0);
    const byPort = (port: number) => rooms.find((r) => r.port === port);
    assertEquals(rooms.length, 2, `each room once\n${finder.describe()}`);
    assertEquals(byPort(hana.port), {
      name: "hana's room",
      host: "hana",
      address,
      port: hana.port,
      fingerprint: hana.fingerprint,
    });
    assertEquals(byPort(kai.port), {
      name: "Book club",
      host: "kai",
      address,
      port: kai.port,
      fingerprint: kai.fingerprint,
    });
    for (const { process } of [hana, kai]) {
      await process.closeStdin();
      assertEquals(await process.exit(), 0, process.describe());
    }
  },
});

Deno.test({
  name: "--no-announce: nothing is heard, rt find says so and exits 1",
  ignore,
  async fn() {
    await using scope = await Scope.create();
    const hana = await scope.host("hana", ["--no-announce"]);
    assertOk(!hana.process.events.some((e) => e.type === "notice" && e.code === "announced"));
    const { code, rooms, finder } = await scope.find();
    assertEquals([code, rooms], [1, []], finder.describe());
    await hana.process.closeStdin();
    assertEquals(await hana.process.exit(), 0);
  },
});

Deno.test({
  name: "a room that closes says so: a finder still listening drops it",
  ignore,
  async fn() {
    await using scope = await Scope.create();
    const hana = await scope.host("hana");
    // Two finders start together: the short one proves the room was heard while both were
    // listening; the long one is still listening when the room closes.
    const ns = scope.lan.namespaces[1]!;
    const short = scope.spawn("short", ns, ["find", "--wait", "2"]);
    const long = scope.spawn("long", ns, ["find", "--wait", "6"]);
    const heard = await short.next("rooms", () => true, 30_000);
    assertEquals(heard.rooms.map((r) => r.port), [hana.port], short.describe());
    await hana.process.closeStdin();
    assertEquals(await hana.process.exit(), 0);
    const after = await long.next("rooms", () => true, 30_000);
    assertEquals(after.rooms, [], long.describe());
    assertEquals(await long.exit(), 1);
    assertEquals(await short.exit(), 0);
  },
});

Deno.test({
  name: "rt find in a terminal lists the rooms and joins the one picked",
  ignore,
  async fn() {
    await using scope = await Scope.create();
    const hana = await scope.host("hana");
    const bob = scope.spawn("bob", scope.lan.namespaces[1]!, ["find", "--name", "bob"], {
      json: false,
      password: "pw",
    });
    const address = scope.lan.address(0);
    await bob.waitForText("1 room on this network:");
    assertOk(bob.stdout.includes(`hana's room hosted by hana at ${address} port ${hana.port}`));
    assertOk(bob.stdout.includes(`host key ${hana.fingerprint}`), bob.describe());
    await bob.type("9");
    await bob.waitForText("There is no room 9");
    await bob.type("1");
    const joined = await hana.process.next("joined", (e) => e.name === "bob");
    assertEquals(joined.status, "new");
    await bob.waitForText(`You are in the room as bob`);
    assertOk(
      !bob.stdout.includes("⚠"),
      `no warning: the host key is the one announced\n${bob.describe()}`,
    );
    await bob.type("hello from the other namespace");
    await hana.process.next("message", (e) => e.from === "bob");
    await bob.closeStdin();
    assertEquals(await bob.exit(), 0, bob.describe());
    await hana.process.closeStdin();
    assertEquals(await hana.process.exit(), 0);
  },
});

Deno.test("usage: --wait and --room are checked", async () => {
  await using e2e = new E2e();
  for (
    const [args, says] of [
      [["find", "--wait", "0"], /--wait must be a whole number from 1 to 60/],
      [["find", "--wait", "soon"], /--wait must be a whole number/],
      [["--room", " "], /A room name cannot be empty/],
      [["--room", "x".repeat(65)], /at most 64 characters/],
      [["--room", "bell\x07"], /control or invisible characters/],
    ] as const
  ) {
    const p = e2e.spawn(`rt ${args.join(" ")}`, [...args], { json: false });
    await p.closeStdin();
    assertEquals((await p.exit()).code, 2, p.describe());
    assertOk(says.test(p.stderr), p.describe());
  }
});
