/**
 * Joining through a SOCKS5 proxy: a real microsocks (with and without a password), a wrong
 * proxy password, and a fake proxy that shows names are handed over, not resolved here.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { DEFAULT_TIMEOUT_MS, E2e } from "./harness.ts";
import { connectSocks5, parseProxyUrl } from "../../lib/transport/socks5.ts";
import { RtError } from "../../lib/errors.ts";
import { available, freePort } from "./programs.ts";

/**
 * microsocks on loopback, optionally with a user and password. It writes a line to its
 * standard error for each connection it makes for a client (`client[N] IP: connected to
 * HOST:PORT`): `connected(port)` waits for the one to `port`, the proof a client went through it.
 */
async function startMicrosocks(auth?: { user: string; password: string }) {
  const port = freePort();
  const args = ["-i", "127.0.0.1", "-p", String(port)];
  if (auth) args.push("-u", auth.user, "-P", auth.password);
  const child = new Deno.Command("microsocks", { args, stdout: "null", stderr: "piped" }).spawn();
  let log = "";
  let ended = false;
  let wake: () => void = () => {};
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      log += chunk;
      wake();
    }
    ended = true;
    wake();
  })();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return {
    port,
    /** Waits until microsocks says it connected a client to 127.0.0.1:`target`. */
    async connected(target: number): Promise<string> {
      const line = new RegExp(
        `^client\\[\\d+\\] 127\\.0\\.0\\.1: connected to 127\\.0\\.0\\.1:${target}$`,
        "m",
      );
      // A deadline only so that a proxy that was never used fails the test rather than hang it.
      let late = false;
      const deadline = setTimeout(() => {
        late = true;
        wake();
      }, DEFAULT_TIMEOUT_MS);
      try {
        while (!line.test(log)) {
          if (ended || late) {
            throw new Error(`microsocks did not connect anyone to ${target}; it said:\n${log}`);
          }
          await new Promise<void>((resolve) => wake = resolve);
        }
      } finally {
        clearTimeout(deadline);
      }
      return log;
    },
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await reading;
    },
  };
}

const noMicrosocks = !available("microsocks");

for (const auth of [undefined, { user: "alice", password: "s3cret" }]) {
  Deno.test({
    name: `a joiner reaches the host through microsocks ${auth ? "with" : "without"} a password`,
    ignore: noMicrosocks,
    fn: async () => {
      await using proxy = await startMicrosocks(auth);
      await using e2e = new E2e();
      const { process: host, port } = await e2e.host({ name: "hana" });
      const url = auth
        ? `socks5://${auth.user}:${auth.password}@127.0.0.1:${proxy.port}`
        : `socks5://127.0.0.1:${proxy.port}`;
      // The password goes in the environment, never on the command line.
      const joiner = e2e.joiner(port, { label: "ivan", name: "ivan", env: { RT_PROXY: url } });
      await joiner.next("welcome");
      // The host sees 127.0.0.1 either way: the proxy's own account is the proof.
      await proxy.connected(port);
      await joiner.type("through the proxy");
      await host.next("message", (e) => e.text === "through the proxy");
      await joiner.type("/quit");
      assertEquals((await joiner.exit()).code, 0);
      await host.closeStdin();
      await host.exit();
    },
  });
}

Deno.test({
  name: "a wrong proxy password fails clearly",
  ignore: noMicrosocks,
  fn: async () => {
    await using proxy = await startMicrosocks({ user: "alice", password: "s3cret" });
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    const joiner = e2e.joiner(port, {
      label: "ivan",
      name: "ivan",
      env: { RT_PROXY: `socks5://alice:wrong@127.0.0.1:${proxy.port}` },
    });
    const error = await joiner.next("error");
    assertEquals(error.code, "connect-failed");
    assertOk(
      /refused the user name or password|none of rt's ways/.test(error.message),
      error.message,
    );
    assertEquals((await joiner.exit()).code, 1);
    await host.closeStdin();
    await host.exit();
  },
});

Deno.test("a password in --proxy on the command line is refused", async () => {
  await using e2e = new E2e();
  const p = e2e.spawn("rt", ["127.0.0.1", "1", "--proxy", "socks5://a:b@127.0.0.1:1"], {
    json: false,
  });
  const exit = await p.exit();
  assertEquals(exit.code, 2);
  assertOk(p.stderr.includes("RT_PROXY"), p.stderr);
});

Deno.test("proxy URLs parse, and others are usage errors", () => {
  assertEquals(parseProxyUrl("socks5://127.0.0.1:9050"), { host: "127.0.0.1", port: 9050 });
  assertEquals(parseProxyUrl("socks5h://u:p%40ss@[::1]:1080"), {
    host: "::1",
    port: 1080,
    username: "u",
    password: "p@ss",
  });
  for (const bad of ["http://x:1", "socks5://", "nonsense"]) {
    let code = "";
    try {
      parseProxyUrl(bad);
    } catch (e) {
      code = e instanceof RtError ? e.code : "";
    }
    assertEquals(code, "usage", bad);
  }
});

/** A proxy that records what it is asked, then answers with `reply`. */
async function fakeProxy(reply: number, run: (port: number) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const asked: { type: number; name: string; port: number }[] = [];
  const serve = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(600);
    await conn.read(buffer); // greeting
    await conn.write(new Uint8Array([5, 0]));
    const n = (await conn.read(buffer))!;
    const request = buffer.subarray(0, n);
    const length = request[4]!;
    asked.push({
      type: request[3]!,
      name: new TextDecoder().decode(request.subarray(5, 5 + length)),
      port: (request[5 + length]! << 8) | request[6 + length]!,
    });
    await conn.write(new Uint8Array([5, reply, 0, 1, 0, 0, 0, 0, 0, 0]));
    conn.close();
  })();
  try {
    await run((listener.addr as Deno.NetAddr).port);
  } finally {
    await serve;
    listener.close();
  }
  return asked;
}

Deno.test("a proxied name is handed to the proxy, not resolved here; its refusal is said plainly", async () => {
  let failure: unknown = null;
  const asked = await fakeProxy(4, async (port) => {
    try {
      const conn = await connectSocks5({ host: "127.0.0.1", port }, "room.invalid", 41234, 5000);
      conn.close();
    } catch (error) {
      failure = error;
    }
  });
  // ".invalid" never resolves (RFC 6761): had rt looked it up, the proxy would not be asked.
  assertEquals(asked, [{ type: 3, name: "room.invalid", port: 41234 }]);
  assertOk(failure instanceof RtError && failure.code === "connect-failed");
  assertOk((failure as RtError).message.includes("host unreachable"), String(failure));
});
