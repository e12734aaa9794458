/**
 * Hosting as an onion service through a real Tor started by the test with DisableNetwork 1
 * (it never contacts the Tor network, yet serves its control port): ADD_ONION with cookie
 * authentication at start, DEL_ONION at close, and the address rt prints is Tor's.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { guessOnceAndLeave } from "./attack_tools.ts";
import { E2e } from "./harness.ts";
import { available, freePort } from "./programs.ts";

/** Forwards connections to Tor's control port, keeping a transcript of both directions. */
function recordingRelay(target: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const transcript = { fromRt: "", fromTor: "" };
  const pipes: Promise<void>[] = [];
  const pump = async (from: Deno.Conn, to: Deno.Conn, key: "fromRt" | "fromTor") => {
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        transcript[key] += new TextDecoder().decode(buffer.subarray(0, n));
        await to.write(buffer.subarray(0, n));
      }
    } catch {
      // One side closed.
    }
    try {
      to.close();
    } catch {
      // Already closed.
    }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      const tor = await Deno.connect({ hostname: "127.0.0.1", port: target });
      pipes.push(pump(client, tor, "fromRt"), pump(tor, client, "fromTor"));
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    transcript,
    async close() {
      listener.close();
      await accepting.catch(() => {});
      await Promise.all(pipes);
    },
  };
}

Deno.test({
  name: "--tor: an onion service added with cookie authentication, removed at close",
  ignore: !available("tor"),
  fn: async () => {
    await using e2e = new E2e();
    const home = e2e.home();
    const dataDir = `${home}/tor`;
    await Deno.mkdir(dataDir, { mode: 0o700 });
    const controlPort = freePort();
    const tor = new Deno.Command("tor", {
      args: [
        "-f",
        "/dev/null",
        "--ignore-missing-torrc",
        "--DataDirectory",
        dataDir,
        "--ControlPort",
        `127.0.0.1:${controlPort}`,
        "--CookieAuthentication",
        "1",
        "--DisableNetwork",
        "1",
        "--SocksPort",
        "0",
        "--Log",
        "err stderr",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const relay = (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port: controlPort })).close();
          return recordingRelay(controlPort);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      throw new Error("tor did not open its control port");
    })();
    const recorder = await relay;
    try {
      const { process: host, port } = await e2e.host({
        name: "hana",
        home,
        args: ["--tor", "--tor-control", `127.0.0.1:${recorder.port}`, "--no-reverse-dns"],
      });
      const onion = await host.next("onion");
      const returned = /250-ServiceID=([a-z2-7]{56})/.exec(recorder.transcript.fromTor)?.[1];
      assertOk(returned, recorder.transcript.fromTor);
      assertEquals(onion.address, `${returned}.onion`, "the address rt prints is Tor's");
      assertEquals(onion.command, `rt ${returned}.onion ${onion.port}`);
      assertOk(/AUTHENTICATE [0-9a-f]{64}/.test(recorder.transcript.fromRt), "cookie auth");
      assertOk(recorder.transcript.fromRt.includes(`Port=${onion.port},127.0.0.1:`));
      // The onion service forwards to a port of its own, not the room's: Tor's joiners all
      // come from 127.0.0.1, and are not judged by that address.
      const target = Number(
        new RegExp(`Port=${onion.port},127\\.0\\.0\\.1:(\\d+)`).exec(
          recorder.transcript.fromRt,
        )?.[1],
      );
      assertOk(target > 0 && target !== port, `onion target ${target}, room port ${port}`);
      // Twelve wrong guesses through the onion port (as Tor would bring them) block nobody.
      for (let i = 0; i < 12; i++) {
        const outcome = await guessOnceAndLeave(e2e, target, `tor-guess-${i}`);
        assertEquals([outcome.answered, outcome.refused], [1, false], JSON.stringify(outcome));
      }
      assertOk(!host.events.some((e) => e.type === "notice" && e.code === "blocked"));
      const local = await e2e.join(port, "ann");
      await local.type("/quit");
      assertEquals((await local.exit()).code, 0);
      await host.closeStdin();
      assertEquals((await host.exit()).code, 0, host.describe());
      assertOk(recorder.transcript.fromRt.includes(`DEL_ONION ${returned}`), "removed at close");
      assertOk(/DEL_ONION[^\n]*\n/.test(recorder.transcript.fromRt));
    } finally {
      await recorder.close();
      tor.kill("SIGTERM");
      await tor.status;
      await tor.stderr.cancel();
    }
  },
});

Deno.test("--tor without a reachable Tor says how to get one", async () => {
  await using e2e = new E2e();
  const { process: host } = await e2e.host({
    name: "hana",
    args: ["--tor", "--tor-control", `127.0.0.1:${freePort()}`],
  });
  const error = await host.next("error", (e) => e.code === "tor");
  assertOk(error.message.includes("apt install tor"), error.message);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0);
});
