/**
 * Ctrl+C (SIGINT), SIGTERM and SIGHUP end rt at every stage, host and joiner, each with its
 * exit status: before a room (a prompt, connecting, waiting for the host) rt stops at once
 * with 128 + the signal's number (130, 143, 129); in a room it leaves as /quit does (the host
 * closes the room, telling everyone) and exits 0. And a program on the port that accepts the
 * connection but says nothing is given up on soon, in plain words.
 *
 * The 5 s given to each exit is the test's wait, not a measurement: rt stops within a moment.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e, type RtProcess } from "./harness.ts";
import { MuteHost, SilentServer } from "./silent_peers.ts";

/** Signals have no meaning on Windows (and Deno cannot listen for SIGTERM there). */
const ignore = Deno.build.os === "windows";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type StopSignal = typeof SIGNALS[number];

/** What rt exits with when stopped by `signal` before it is in a room. */
const STATUS: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** The test's wait for rt to exit once signalled. */
const EXIT_WAIT_MS = 5000;

/** Sends `signal`, and returns how rt exited (by itself: not killed by the signal). */
async function stopWith(process: RtProcess, signal: StopSignal): Promise<number> {
  process.kill(signal);
  const exit = await process.exit(EXIT_WAIT_MS);
  assertEquals(
    exit.signal,
    null,
    `rt was killed by ${signal} instead of exiting\n${process.describe()}`,
  );
  return exit.code;
}

/** No stack trace or internal error: a signal is an ordinary way to end rt. */
function assertCalm(process: RtProcess): void {
  assertOk(!/internal error|Uncaught|\bat .*:\d+:\d+/.test(process.stderr), process.describe());
}

/** Runs `stage` once per signal, side by side: each starts its own rt and stops it. */
function eachSignal(name: string, stage: (signal: StopSignal) => Promise<void>): void {
  Deno.test({
    name,
    ignore,
    fn: async () => {
      await Promise.all(SIGNALS.map(stage));
    },
  });
}

eachSignal("a joiner stopped at its password prompt exits 130, 143 or 129", async (signal) => {
  await using e2e = new E2e();
  await using silent = new SilentServer();
  const joiner = e2e.spawn(`joiner-${signal}`, ["127.0.0.1", String(silent.port)]);
  await joiner.next("prompt", (e) => e.for === "password");
  assertEquals(await stopWith(joiner, signal), STATUS[signal], joiner.describe());
  assertCalm(joiner);
});

eachSignal(
  "a joiner connected to a program that says nothing stops at once on a signal",
  async (signal) => {
    await using e2e = new E2e();
    await using silent = new SilentServer();
    const joiner = e2e.joiner(silent.port, { label: `joiner-${signal}`, name: "ann" });
    await joiner.next("connected");
    await silent.accepted();
    assertEquals(await stopWith(joiner, signal), STATUS[signal], joiner.describe());
    assertEquals(joiner.all("error"), [], "a signal is not a failure to report");
    assertCalm(joiner);
  },
);

eachSignal(
  "a joiner still connecting (a proxy that never answers) stops on a signal",
  async (signal) => {
    await using e2e = new E2e();
    await using proxy = new SilentServer();
    const joiner = e2e.joiner(4321, {
      label: `joiner-${signal}`,
      name: "ann",
      args: ["--proxy", `socks5://127.0.0.1:${proxy.port}`],
    });
    await joiner.next("connecting");
    await proxy.accepted();
    assertEquals(await stopWith(joiner, signal), STATUS[signal], joiner.describe());
    assertCalm(joiner);
  },
);

eachSignal("a joiner stopped at its name prompt exits 130, 143 or 129", async (signal) => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  const joiner = e2e.joiner(port, { label: `joiner-${signal}` });
  await joiner.next("prompt", (e) => e.for === "name");
  assertEquals(await stopWith(joiner, signal), STATUS[signal], joiner.describe());
  assertCalm(joiner);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

eachSignal(
  "a joiner waiting for the host to answer its name stops on a signal",
  async (signal) => {
    await using e2e = new E2e();
    await using mute = new MuteHost();
    const joiner = e2e.joiner(mute.port, { label: `joiner-${signal}`, name: "ann" });
    await mute.joinReceived;
    assertEquals(await stopWith(joiner, signal), STATUS[signal], joiner.describe());
    assertCalm(joiner);
  },
);

eachSignal(
  "a joiner in the room leaves on a signal: everyone sees it quit, exit 0",
  async (signal) => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    const joiner = await e2e.join(port, `ann${SIGNALS.indexOf(signal)}`);
    assertEquals(await stopWith(joiner, signal), 0, joiner.describe());
    const left = await host.next("left", (e) => e.name === joiner.label);
    assertEquals(left.reason, "quit", host.describe());
    assertCalm(joiner);
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0, host.describe());
  },
);

eachSignal("a host stopped at its password prompt exits 130, 143 or 129", async (signal) => {
  await using e2e = new E2e();
  const host = e2e.spawn(`host-${signal}`, ["--bind", "127.0.0.1", "--port", "0", "--no-upnp"]);
  await host.next("prompt", (e) => e.for === "password");
  assertEquals(await stopWith(host, signal), STATUS[signal], host.describe());
  assertEquals(host.all("listening"), [], "a room opened");
  assertCalm(host);
});

eachSignal(
  "a host in its room closes it on a signal: members are told, exit 0",
  async (signal) => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    const ann = await e2e.join(port, "ann");
    assertEquals(await stopWith(host, signal), 0, host.describe());
    assertEquals((await ann.next("closed")).reason, "the host closed the room", ann.describe());
    assertEquals((await ann.exit()).code, 0, ann.describe());
    assertCalm(host);
  },
);

Deno.test({
  name: "a program on the port that accepts and says nothing is given up on within 10 s",
  ignore,
  fn: async () => {
    await using e2e = new E2e();
    await using silent = new SilentServer();
    const joiner = e2e.joiner(silent.port, { label: "ann", name: "ann" });
    await joiner.next("connected");
    // The test's wait is generous; rt gives up after 10 s (it used to wait a whole minute).
    const error = await joiner.next("error", () => true, { timeoutMs: 30_000 });
    assertEquals(error.code, "handshake-timeout", joiner.describe());
    assertEquals(
      error.message,
      `127.0.0.1 port ${silent.port} accepted the connection but did not answer like an rt ` +
        "room within 10 s: is it the right port?",
    );
    assertEquals((await joiner.exit()).code, 1, joiner.describe());
  },
});
