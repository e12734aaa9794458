/**
 * The room's budget of wrong guesses: many source addresses (each through its own microsocks
 * bound to 127.0.0.N, so the host sees N addresses) cannot get more guesses answered than the
 * room allows in all, the host is told (with `/lock` advice), and `/password` opens the room
 * again with a fresh password.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { encodeMessage, HostHandshake, PROTOCOL_VERSION } from "../../lib/codec/messages.ts";
import { decodeMessage } from "../../lib/codec/messages.ts";
import { JoinerAttempt } from "../../lib/handshake/mod.ts";
import { connectSocks5, FramedConnection } from "../../lib/transport/mod.ts";
import { check, E2e } from "./harness.ts";
import { available, freePort } from "./programs.ts";

const PASSWORD = "right horse battery staple";
/** The room's default budget of wrong guesses at once. */
const ROOM_BUDGET = 30;

/** microsocks whose outgoing connections come from `source`. */
async function proxyFrom(source: string) {
  const port = freePort();
  const child = new Deno.Command("microsocks", {
    args: ["-i", "127.0.0.1", "-p", String(port), "-b", source],
    stdout: "null",
    stderr: "null",
  }).spawn();
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
    async close() {
      // One that has already ended (its port taken meanwhile, say) must not hide the error
      // that the test met because of it.
      try {
        child.kill("SIGTERM");
      } catch {
        // Already ended.
      }
      await child.status;
    },
  };
}

/** What became of one guess. */
interface Guess {
  /** The host answered the guess (and so told whether it was right). */
  answered: boolean;
  right: boolean;
  /** The refusal's code and reason, when refused. */
  code?: string;
  reason?: string;
}

/** One guess through `proxy`, then away as soon as it is answered. */
async function guessThrough(proxyPort: number, hostPort: number, guess: string): Promise<Guess> {
  const conn = await connectSocks5({ host: "127.0.0.1", port: proxyPort }, "127.0.0.1", hostPort);
  const framed = new FramedConnection(conn);
  try {
    const first = await framed.next(10_000);
    if (first === null) return { answered: false, right: false, code: "closed" };
    const hello = decodeMessage(HostHandshake, first) as HostHandshake & { code?: string };
    if (hello.t === "denied") {
      return { answered: false, right: false, code: hello.code, reason: hello.reason };
    }
    if (hello.t !== "hello") throw new Error(`unexpected ${hello.t}`);
    const attempt = new JoinerAttempt({
      password: guess,
      greeting: first,
      hostNonce: hello.nonce,
      attempt: 1,
    });
    const share = encodeMessage({
      t: "share",
      v: PROTOCOL_VERSION,
      nonce: attempt.nonce,
      y: attempt.share,
    });
    framed.send(share);
    const second = await framed.next(10_000);
    if (second === null) return { answered: false, right: false, code: "closed" };
    const reply = decodeMessage(HostHandshake, second) as HostHandshake & { code?: string };
    if (reply.t === "denied") {
      return { answered: false, right: false, code: reply.code, reason: reply.reason };
    }
    if (reply.t !== "reply") throw new Error(`unexpected ${reply.t}`);
    let right = true;
    try {
      attempt.finish(share, reply);
    } catch {
      right = false;
    }
    return { answered: true, right };
  } finally {
    framed.close();
    await framed.done;
  }
}

Deno.test({
  name: "room budget: guesses from 10 addresses stop at the room's budget; the host is told",
  ignore: !available("microsocks"),
  fn: async () => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({
      name: "hana",
      password: PASSWORD,
      args: ["--no-reverse-dns"],
    });
    const sources = Array.from({ length: 11 }, (_, i) => `127.0.0.${i + 2}`);
    const proxies = await Promise.all(sources.map(proxyFrom));
    try {
      // Ten addresses, six guesses each, one at a time per address and all addresses at once:
      // six per address is under each address's own limit only until the room's runs out.
      const results = await Promise.all(
        proxies.slice(0, 10).map(async (proxy, a) => {
          const mine: Guess[] = [];
          for (let g = 0; g < 6; g++) {
            mine.push(await guessThrough(proxy.port, port, `guess-${a}-${g}`));
          }
          return mine;
        }),
      );
      const all = results.flat();
      const answered = all.filter((g) => g.answered).length;
      console.log(
        `  [room budget] ${answered} of ${all.length} guesses from 10 addresses answered`,
      );
      check(e2e, all.every((g) => !g.right), "a guess was right");
      check(
        e2e,
        answered <= ROOM_BUDGET,
        `${answered} guesses answered: ${JSON.stringify(all)}`,
      );
      const refused = all.filter((g) => !g.answered);
      check(e2e, refused.length >= all.length - ROOM_BUDGET, JSON.stringify(all));
      for (const r of refused) {
        check(e2e, r.code === "busy" || r.code === "blocked", JSON.stringify(r));
      }
      const told = await host.next("notice", (e) => e.code === "guess-budget");
      assertOk(told.text.includes("/lock"), told.text);
      // Told once for the run of refusals, not once per refusal.
      assertEquals(host.all("notice").filter((e) => e.code === "guess-budget").length, 1);

      // A new address with the right password must wait too: the budget is the room's.
      const late = await guessThrough(proxies[10]!.port, port, PASSWORD);
      assertEquals([late.answered, late.code], [false, "busy"], JSON.stringify(late));
      assertOk(/wrong passwords/.test(late.reason ?? ""), late.reason);

      // A fresh password makes every guess so far worthless: the budget opens again.
      await host.type("/password");
      const fresh = (await host.next("room-password")).password;
      const joiner = e2e.joiner(port, { label: "ann", name: "ann", password: fresh });
      await joiner.next("welcome");
      await joiner.type("/quit");
      assertEquals((await joiner.exit()).code, 0);
    } finally {
      await Promise.all(proxies.map((p) => p.close()));
    }
    await host.interrupt();
    assertEquals((await host.exit()).code, 0, host.describe());
    assertEquals(host.stderr, "");
  },
});
