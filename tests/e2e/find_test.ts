/**
 * LAN discovery end to end: hosts announce their rooms in one network namespace, `rt find`
 * hears them in another, over a bridge (multicast and broadcast as on a real LAN), on IPv4,
 * IPv6 or both. Needs root and iproute2, and is skipped without them (CI runs as root).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { Lan, type LanOptions, netnsAvailable, NsProcess } from "./netns.ts";
import { DISCOVERY_PORT } from "../../lib/discovery/mod.ts";
import type { RoomFound } from "../../lib/events.ts";

const ignore = !netnsAvailable();

/** Every process of one test, ended at cleanup, then the LAN deleted. */
class Scope {
  readonly lan: Lan;
  readonly #processes: NsProcess[] = [];

  constructor(lan: Lan) {
    this.lan = lan;
  }

  static async create(size = 2, options: LanOptions = {}): Promise<Scope> {
    return new Scope(await Lan.create(size, options));
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

  /**
   * Runs `rt find --json` in namespace 1 to its end. With a `spy` (in namespace 1): once the
   * finder listens, waits until the spy has heard each room of `heard` (ports) announce, and
   * checks that the finder was still listening then: it heard them too.
   */
  async find(wait = 2, spy?: NsProcess, heard: number[] = []) {
    const ns = this.lan.namespaces[1]!;
    const finder = this.spawn("finder", ns, ["find", "--wait", `${wait}`]);
    await finder.closeStdin();
    if (spy) {
      await this.listening(ns, finder);
      const since = heardSoFar(spy);
      for (const port of heard) await spyHears(spy, since, "open", port);
      assertOk(
        await bound(ns, finder.pid),
        `the finder stopped listening before it heard every room\n${finder.describe()}`,
      );
    }
    const code = await finder.exit();
    const rooms = finder.events.filter((e) => e.type === "rooms");
    assertEquals(rooms.length, 1, `one rooms event, and only that\n${finder.describe()}`);
    assertEquals(finder.events.length, 1, finder.describe());
    return { code, rooms: rooms[0]!.type === "rooms" ? rooms[0]!.rooms : [], finder };
  }

  /** Starts the announcement spy in namespace `ns`; resolves once it listens. */
  async spy(ns: string): Promise<NsProcess> {
    const spy = this.spawn("spy", ns, [], {
      json: false,
      program: [
        Deno.execPath(),
        "run",
        "--cached-only",
        "--allow-net",
        "--allow-sys=networkInterfaces",
        "tests/e2e/fixtures/announcement_spy.ts",
      ],
    });
    await spy.waitForText("listening\n");
    return spy;
  }

  /** Waits until `process` listens on the discovery port in namespace `ns`. */
  async listening(ns: string, process: NsProcess): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await bound(ns, process.pid))) {
      assertOk(Date.now() < deadline, `${process.label} never listened\n${process.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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

/** Whether process `pid` has a UDP socket on the discovery port in namespace `ns`. */
async function bound(ns: string, pid: number): Promise<boolean> {
  const { stdout } = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, "ss", "-H", "-u", "-a", "-n", "-p", `sport = :${DISCOVERY_PORT}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).includes(`pid=${pid},`);
}

/** How many datagrams the spy has heard so far. */
function heardSoFar(spy: NsProcess): number {
  return spy.stdout.split("\n").filter((l) => l.startsWith("heard ")).length;
}

/** Waits until the spy hears, after its `after`th datagram, a `state` one for `port`. */
async function spyHears(
  spy: NsProcess,
  after: number,
  state: "open" | "closed",
  port: number,
): Promise<void> {
  for (let n = after + 1;; n++) {
    await spy.waitForText(`heard ${n} `);
    const line = spy.stdout.split("\n").find((l) => l.startsWith(`heard ${n} `))!;
    const [, , heard, , heardPort] = line.split(" ");
    if (heard === state && Number(heardPort) === port) return;
  }
}

Deno.test({
  name: "rt find hears the rooms of another machine on the LAN: address, port, names, key",
  ignore,
  async fn() {
    await using scope = await Scope.create();
    const spy = await scope.spy(scope.lan.namespaces[1]!);
    const hana = await scope.host("hana");
    const kai = await scope.host("kai", ["--room", "Book club"]);
    assertOk(
      hana.process.events.some((e) => e.type === "notice" && e.code === "announced"),
      hana.process.describe(),
    );
    // The finder's window is only a bound for a machine so slow that it fails rather than
    // proves nothing: it lists what was heard while it listened (the spy shows when).
    const { code, rooms, finder } = await scope.find(4, spy, [hana.port, kai.port]);
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
    const ns = scope.lan.namespaces[1]!;
    const spy = await scope.spy(ns);
    const hana = await scope.host("hana");
    // A finder listens; while it does, hana announces her room (the spy, which hears what the
    // finder hears, shows when), then closes it. The finder's window is only a bound for a
    // machine so slow that it fails rather than proves nothing.
    const finder = scope.spawn("finder", ns, ["find", "--wait", "8"]);
    await scope.listening(ns, finder);
    await spyHears(spy, heardSoFar(spy), "open", hana.port);
    const beforeClose = heardSoFar(spy);
    await hana.process.closeStdin();
    assertEquals(await hana.process.exit(), 0);
    await spyHears(spy, beforeClose, "closed", hana.port);
    assertOk(
      await bound(ns, finder.pid),
      `the finder stopped listening before the room closed\n${finder.describe()}`,
    );
    const after = await finder.next("rooms", () => true, 30_000);
    assertEquals(after.rooms, [], finder.describe());
    assertEquals(await finder.exit(), 1);
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

/**
 * Runs `rt find --json` in namespace 1 (`wait` seconds: each room announces every second),
 * checks it heard exactly `expected`, in any order.
 */
async function findExactly(scope: Scope, expected: RoomFound[], wait = 4) {
  const { code, rooms, finder } = await scope.find(wait);
  assertEquals(code, 0, finder.describe());
  const byPort = (a: RoomFound, b: RoomFound) => a.port - b.port;
  assertEquals(
    [...rooms].sort(byPort),
    [...expected].sort(byPort),
    `${finder.describe()}\n${scope.describe()}`,
  );
}

/** Joins the room at `address` and `port` from namespace 1 as bob, says hello, leaves. */
async function joinAndSayHello(
  scope: Scope,
  hana: { process: NsProcess },
  address: string,
  port: number,
) {
  const bob = scope.spawn("bob", scope.lan.namespaces[1]!, [address, `${port}`, "--name", "bob"], {
    password: "pw",
  });
  await bob.next("welcome");
  await hana.process.next("joined", (e) => e.name === "bob");
  await bob.type("hello over IPv6");
  await hana.process.next("message", (e) => e.from === "bob" && e.text === "hello over IPv6");
  await bob.closeStdin();
  assertEquals(await bob.exit(), 0, bob.describe());
  await hana.process.closeStdin();
  assertEquals(await hana.process.exit(), 0, hana.process.describe());
}

Deno.test({
  name: "IPv6-only LAN: rt find hears the room at the host's IPv6 address, rt joins it there",
  ignore,
  async fn() {
    await using scope = await Scope.create(2, { ipv4: false, ipv6: true });
    const hana = await scope.host("hana");
    assertOk(
      hana.process.events.some((e) => e.type === "notice" && e.code === "announced"),
      hana.process.describe(),
    );
    const address = scope.lan.address6(0);
    await findExactly(scope, [{
      name: "hana's room",
      host: "hana",
      address,
      port: hana.port,
      fingerprint: hana.fingerprint,
    }]);
    await joinAndSayHello(scope, hana, address, hana.port);
  },
});

Deno.test({
  name:
    "IPv6 link-local only: the room is heard at its link-local address with the zone, joined so",
  ignore,
  async fn() {
    await using scope = await Scope.create(2, { ipv4: false });
    // The host starts while its link-local address may still be checked for uniqueness (and
    // cannot be sent from yet): it announces as soon as it can.
    const hana = await scope.host("hana");
    const address = `${await scope.lan.linkLocal(0)}%${scope.lan.linkName(1)}`;
    await findExactly(scope, [{
      name: "hana's room",
      host: "hana",
      address,
      port: hana.port,
      fingerprint: hana.fingerprint,
    }]);
    await joinAndSayHello(scope, hana, address, hana.port);
  },
});

Deno.test({
  name:
    "IPv4 and IPv6: a room is listed once, at its IPv4 address; a bound room on its network only",
  ignore,
  async fn() {
    await using scope = await Scope.create(2, { ipv6: true });
    const hana = await scope.host("hana");
    const kai = await scope.host("kai", ["--bind", scope.lan.address6(0)]);
    const ivan = await scope.host("ivan", ["--bind", scope.lan.address(0)]);
    const lo = await scope.host("lo", ["--bind", "::1"]);
    assertOk(
      !lo.process.events.some((e) => e.type === "notice" && e.code === "announced"),
      lo.process.describe(),
    );
    const room = (
      who: { port: number; fingerprint: string },
      name: string,
      address: string,
    ) => ({
      name: `${name}'s room`,
      host: name,
      address,
      port: who.port,
      fingerprint: who.fingerprint,
    });
    await findExactly(scope, [
      room(hana, "hana", scope.lan.address(0)),
      room(kai, "kai", scope.lan.address6(0)),
      room(ivan, "ivan", scope.lan.address(0)),
    ]);
    for (const { process } of [hana, kai, ivan, lo]) {
      await process.closeStdin();
      assertEquals(await process.exit(), 0, process.describe());
    }
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
