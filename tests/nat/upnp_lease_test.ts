/**
 * Lease renewal against a real miniupnpd (the router lab, tests/lab/router_lab.sh): a mapping
 * asked for with a short lease is asked for again before the lease ends, and the router
 * extends it; closing removes it. The mapper runs in the lab's LAN namespace, as a room's
 * would on a home computer. Needs root, miniupnpd and nftables (CI has them).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { labAvailable, RouterLab } from "../e2e/router_lab.ts";

const HOLDER = new URL("./fixtures/lease_holder.ts", import.meta.url).pathname;
/** Renewals come at half the lease, and never sooner than every 30 s (port_mapping.ts). */
const LEASE_SECONDS = 40;
/** Only so that a renewal that never comes fails the test rather than hang it. */
const WAIT_AT_MOST_MS = 90_000;

/** Lines of a stream as they come. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let at: number;
    while ((at = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, at);
      pending = pending.slice(at + 1);
    }
  }
  if (pending !== "") yield pending;
}

/** Waits for the first line of `source` that passes `match`, within `WAIT_AT_MOST_MS`. */
async function lineWhere(
  source: AsyncGenerator<string>,
  match: (line: string) => boolean,
  what: string,
  seen: string[],
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no ${what} within ${WAIT_AT_MOST_MS} ms:\n${seen.join("\n")}`)),
      WAIT_AT_MOST_MS,
    );
  });
  try {
    return await Promise.race([
      (async () => {
        // Not `for await`: leaving it would end the generator, and the next wait needs it.
        for (let next = await source.next(); !next.done; next = await source.next()) {
          seen.push(next.value);
          if (match(next.value)) return next.value;
        }
        throw new Error(`ended before ${what}:\n${seen.join("\n")}`);
      })(),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "a short UPnP lease is renewed before it ends, the router extends it, and close removes it",
  ignore: !labAvailable(),
  fn: async () => {
    await using lab = await RouterLab.up("igd2");
    const port = 41000 + Math.floor(Math.random() * 1000);
    // The router's log, line by line as it is written.
    const tail = new Deno.Command("tail", {
      args: ["-F", "-n", "+1", `/tmp/${lab.prefix}-lab/miniupnpd.log`],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const holder = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        lab.lan,
        Deno.execPath(),
        "run",
        "--cached-only",
        "--allow-net",
        "--allow-read",
        "--allow-sys=networkInterfaces",
        HOLDER,
        String(port),
        String(LEASE_SECONDS),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const said: string[] = [], logged: string[] = [];
    const out = lines(holder.stdout), log = lines(tail.stdout);
    try {
      const mappedLine = await lineWhere(out, (l) => l.startsWith("{"), "mapping", said);
      const { mapped } = JSON.parse(mappedLine);
      assertEquals([mapped?.method, mapped?.externalPort], ["UPnP IGD v2", port], mappedLine);
      assertEquals(await lab.mappings(), [`dport ${port} dnat ip to 10.77.0.2:${port}`]);
      // The router's record of the lease: its end, in seconds of the router's uptime.
      const expiry = new RegExp(`timestamp entry added \\(${port}, 6, (\\d+)\\)$`);
      const first = await lineWhere(log, (l) => expiry.test(l), "the lease", logged);
      // The renewal: the same request again before the lease ends, and a later end.
      await lineWhere(
        log,
        (l) =>
          l.endsWith(`updating existing port mapping ${port} TCP (rhost '') => 10.77.0.2:${port}`),
        "a renewal",
        logged,
      );
      const renewed = await lineWhere(log, (l) => expiry.test(l), "the renewed lease", logged);
      const end = (line: string) => Number(expiry.exec(line)![1]);
      assertOk(end(renewed) > end(first), `${first}\n${renewed}`);
      assertEquals(await lab.mappings(), [`dport ${port} dnat ip to 10.77.0.2:${port}`]);

      // Closing removes it.
      await holder.stdin.close();
      await lineWhere(out, (l) => l === `{"closed":true}`, "close", said);
      assertEquals(await lab.mappings(), []);
      assertEquals((await holder.status).code, 0);
    } finally {
      for (const child of [holder, tail]) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already ended.
        }
      }
      await holder.status;
      await tail.status;
      await holder.stderr.cancel().catch(() => {});
      await out.return(undefined).catch(() => {});
      await log.return(undefined).catch(() => {});
    }
  },
});
