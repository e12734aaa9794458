/**
 * `deno task bench:slow-link`: a file to a joiner behind a slow link, and the chat meanwhile
 * (the README's figures for pacing, under "Sending files and pictures"). Three network
 * namespaces on one bridge (`tests/e2e/netns.ts`): hana hosts, alice joins and sends, bob joins
 * behind a `LINK_RATE` link both ways (a `tbf` queue on each side of his link, 64 kB burst,
 * 400 ms latency). Each runs the real `rt --json`.
 *
 * First the chat alone for `IDLE_S` seconds, then alice sends bob a `FILE_MB` MB file of random
 * data (bob accepts at once) and the chat goes on until it is saved: every `PING_MS` alice says
 * a line (timed until hana's seat prints it: the sender's chat beside her upload) and hana says
 * one (timed until bob prints it: the host's chat beside the file, through the slow link).
 * Prints the figures and writes them as JSON to `bench/results/slow-link-<date>.json`.
 *
 * Needs root and iproute2 (`ip`, `tc`). rt runs as `ip netns exec NS deno run <rt's flags>
 * main.ts --json` (the Deno on `PATH`), inheriting this environment with its own variables set,
 * so this script needs no grant beyond running `id`, `ip` and `tc`.
 *
 * @module
 */
import { join } from "node:path";
import { Lan, netnsAvailable } from "../tests/e2e/netns.ts";
import { RtDriver } from "../tests/e2e/rt_driver.ts";
import { rtCommand, rtEnv, tempHome } from "../tests/e2e/rt_launch.ts";
import { describeMachine } from "./machine.ts";
import { summarize, type Summary } from "./stats.ts";

const LINK_RATE = "8mbit";
const FILE_MB = 20;
const IDLE_S = 5;
const PING_MS = 500;
const PASSWORD = "bench-password";
const TIMEOUT_MS = 30_000;
const TRANSFER_TIMEOUT_MS = 120_000;
const MB = 1e6;

if (!netnsAvailable()) {
  console.error("bench:slow-link needs root and iproute2 (ip, tc) on Linux.");
  Deno.exit(1);
}

/** The same `tbf` as `Lan.shape`, on the bridge's side of namespace `i`'s link: what it gets. */
async function shapeIncoming(lan: Lan, i: number, rate: string): Promise<void> {
  // Lan names its bridge namespace `ID-lan` and the bridge's end of link i `IDp<i>`.
  const id = lan.namespaces[0]!.replace(/-n0$/, "");
  const out = await new Deno.Command("tc", {
    args: ["-n", `${id}-lan`, "qdisc", "add", "dev", `${id}p${i}`, "root", "tbf", "rate", rate]
      .concat(["burst", "64kb", "latency", "400ms"]),
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`tc failed: ${new TextDecoder().decode(out.stderr).trim()}`);
}

/** Writes `bytes` of random data to `path`. */
async function randomFile(path: string, bytes: number): Promise<void> {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  await Deno.writeFile(path, data);
}

/** `rt --json ARGS --name NAME` in namespace `ns`, with a fresh folder of its own. */
function startRt(name: string, ns: string, args: string[]): RtDriver {
  const home = tempHome();
  return new RtDriver({
    label: name,
    command: ["ip", "netns", "exec", ns, ...rtCommand({ deno: "deno" }), "--json", ...args]
      .concat(["--name", name]),
    ...rtEnv({ home, password: PASSWORD, inherit: true }),
    keepStdout: false,
    removeOnExit: home,
  });
}

/** ms from `from` typing `text` until `to` prints it. */
async function lineDelay(from: RtDriver, to: RtDriver, text: string): Promise<number> {
  const waiting = to.next("message", (e) => e.text === text, { timeoutMs: TIMEOUT_MS });
  const start = performance.now();
  await from.type(text);
  await waiting;
  return performance.now() - start;
}

/** Pings both ways every `PING_MS` until `until` settles; the delays of each way. */
async function chat(
  rt: { hana: RtDriver; alice: RtDriver; bob: RtDriver },
  label: string,
  until: Promise<unknown>,
): Promise<{ aliceToHost: number[]; hostToBob: number[] }> {
  let done = false;
  until.finally(() => done = true).catch(() => {});
  const delays = { aliceToHost: [] as number[], hostToBob: [] as number[] };
  const waits: Promise<void>[] = [];
  for (let n = 0; !done; n++) {
    waits.push(
      lineDelay(rt.alice, rt.hana, `${label} alice ${n}`).then((ms) => {
        delays.aliceToHost.push(ms);
      }),
    );
    waits.push(
      lineDelay(rt.hana, rt.bob, `${label} hana ${n}`).then((ms) => {
        delays.hostToBob.push(ms);
      }),
    );
    await Promise.race([until, new Promise((resolve) => setTimeout(resolve, PING_MS))]);
  }
  await Promise.all(waits);
  return delays;
}

const lan = await Lan.create(3);
const processes: RtDriver[] = [];
const folder = await Deno.makeTempDir({ prefix: "rt-bench-slow-link-" });
try {
  await lan.shape(2, LINK_RATE);
  await shapeIncoming(lan, 2, LINK_RATE);
  const spawn = (name: string, i: number, args: string[]) => {
    const p = startRt(name, lan.namespaces[i]!, args);
    processes.push(p);
    return p;
  };
  const wait = { timeoutMs: TIMEOUT_MS };
  const hana = spawn("hana", 0, ["--port", "0", "--no-upnp", "--no-announce"]);
  const { port } = await hana.next("listening", () => true, wait);
  await hana.next("welcome", () => true, wait);
  const alice = spawn("alice", 1, [lan.address(0), String(port)]);
  await alice.next("welcome", () => true, wait);
  const bob = spawn("bob", 2, [lan.address(0), String(port)]);
  await bob.next("welcome", () => true, wait);
  await alice.next("joined", (e) => e.name === "bob", wait);
  const rt = { hana, alice, bob };

  console.error(`chat alone for ${IDLE_S} s`);
  const idle = await chat(rt, "idle", new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000)));

  const source = join(folder, "film.bin");
  await randomFile(source, FILE_MB * MB);
  console.error(`alice sends bob ${FILE_MB} MB over a ${LINK_RATE} link`);
  await alice.type(`/send bob ${source}`);
  const offer = await bob.next("file-offer", () => true, wait);
  const accepted = performance.now();
  await bob.type(`/accept ${offer.id}`);
  const saved = bob.next("file-saved", (e) => e.id === offer.id, {
    timeoutMs: TRANSFER_TIMEOUT_MS,
  });
  const during = await chat(rt, "file", saved);
  const savedEvent = await saved;
  const seconds = (performance.now() - accepted) / 1000;
  await Deno.remove(savedEvent.path);

  const result = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    link: `${LINK_RATE} both ways (tbf, burst 64kb, latency 400ms)`,
    fileBytes: FILE_MB * MB,
    transfer: { seconds, mbPerS: FILE_MB / seconds },
    idle: { aliceToHost: summarize(idle.aliceToHost), hostToBob: summarize(idle.hostToBob) },
    duringTransfer: {
      aliceToHost: summarize(during.aliceToHost),
      hostToBob: summarize(during.hostToBob),
    },
  };
  const line = (label: string, s: Summary) =>
    `  ${label.padEnd(30)} p50 ${s.p50.toFixed(1)} ms, max ${
      s.max.toFixed(1)
    } ms (${s.count} lines)`;
  console.log(`rt over a slow link, ${result.date}`);
  console.log(
    `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, Deno ${result.machine.deno}`,
  );
  console.log(`bob's link: ${result.link}; alice sends bob ${FILE_MB} MB of random data`);
  console.log(
    `  transfer (accept to saved)     ${result.transfer.mbPerS.toFixed(2)} MB/s (${
      seconds.toFixed(1)
    } s)`,
  );
  console.log("chat alone:");
  console.log(line("alice (sender) -> host's seat", result.idle.aliceToHost));
  console.log(line("host -> bob (slow link)", result.idle.hostToBob));
  console.log("chat while the file moves:");
  console.log(line("alice (sender) -> host's seat", result.duringTransfer.aliceToHost));
  console.log(line("host -> bob (slow link)", result.duringTransfer.hostToBob));
  const dir = new URL("./results/", import.meta.url);
  const file = new URL(
    `slow-link-${result.date.replaceAll(":", "-").replace(/\..*$/, "")}.json`,
    dir,
  );
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(file, JSON.stringify(result, null, 2) + "\n");
  console.log(`\nJSON: ${file.pathname}`);
} finally {
  for (const p of processes) await p.dispose();
  await lan.cleanup();
  await Deno.remove(folder, { recursive: true });
}
