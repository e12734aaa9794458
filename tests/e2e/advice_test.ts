/**
 * What rt tells a newcomer is right for their situation (issue 14): a room bound to this
 * computer only is not offered to the router, a port in use is said before a password is
 * chosen, the host's typed password is asked twice, the announcement notice reads plainly,
 * and `rt` pasted in front of the arguments is explained. Through `--json` and stderr; the
 * terminal's words are in `terminal_test.ts`.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";

Deno.test("a room bound to 127.0.0.1 does not ask the router to open its port", async () => {
  await using e2e = new E2e();
  // No --no-upnp: rt would ask the router, were the room reachable from elsewhere.
  const host = e2e.spawn("hana", ["--bind", "127.0.0.1", "--port", "0", "--name", "hana"], {
    password: "pw",
  });
  const listening = await host.next("listening");
  assertEquals(listening.router, "off", host.describe());
  assertEquals(listening.bound, ["127.0.0.1"]);
  await host.next("welcome");
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
  // Whatever the router said would have come before the room closed.
  assertEquals(host.all("router"), [], host.describe());
});

Deno.test("a port in use is said before the host is asked for a password", async () => {
  await using e2e = new E2e();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const host = e2e.spawn("hana", [
      "--bind",
      "127.0.0.1",
      "--port",
      String(taken.addr.port),
      "--no-upnp",
    ]);
    const first = await host.waitFor((e) => e.type === "prompt" || e.type === "error");
    assertEquals(first.type, "error", `asked for a password first\n${host.describe()}`);
    assertOk(first.type === "error" && first.code === "listen-failed", host.describe());
    assertOk(first.message.includes(`port ${taken.addr.port} is already in use`), first.message);
    assertEquals((await host.exit()).code, 1, host.describe());
    assertEquals(host.all("prompt"), []);
  } finally {
    taken.close();
  }
});

Deno.test("the host's typed password is asked twice; two that differ are asked again", async () => {
  await using e2e = new E2e();
  const host = e2e.spawn("hana", [
    "--bind",
    "127.0.0.1",
    "--port",
    "0",
    "--no-upnp",
    "--no-announce",
    "--name",
    "hana",
  ]);
  const password = "correct horse battery staple";
  await host.next("prompt", (e) => e.for === "password");
  await host.type(password);
  await host.next("prompt", (e) => e.for === "password", { count: 2 });
  await host.type("correct horse battery stapel");
  const mismatch = await host.next("notice", (e) => e.code === "password-mismatch");
  assertOk(!mismatch.text.includes("horse"), "the notice repeats no password");
  assertEquals(host.all("listening"), [], "a room opened with a password typed differently");
  await host.next("prompt", (e) => e.for === "password", { count: 3 });
  await host.type(password);
  await host.next("prompt", (e) => e.for === "password", { count: 4 });
  await host.type(password);
  const { port } = await host.next("listening");
  await host.next("welcome");
  assertEquals(host.all("room-password"), [], "the typed password was kept");
  const ann = await e2e.join(port, "ann", password);
  await ann.type("/quit");
  assertEquals((await ann.exit()).code, 0, ann.describe());
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

Deno.test("a cancelled confirmation opens no room: exit 130", async () => {
  await using e2e = new E2e();
  const host = e2e.spawn("hana", ["--bind", "127.0.0.1", "--port", "0", "--no-upnp"]);
  await host.next("prompt", (e) => e.for === "password");
  await host.type("correct horse battery staple");
  await host.next("prompt", (e) => e.for === "password", { count: 2 });
  await host.closeStdin();
  assertEquals((await host.exit()).code, 130, host.describe());
  assertEquals(host.all("listening"), []);
});

Deno.test("the announcement notice reads without brackets inside brackets", async () => {
  await using e2e = new E2e();
  // Every interface, so that the room is announced on the local network.
  const host = e2e.spawn("hana", ["--port", "0", "--no-upnp", "--name", "hana"], {
    password: "pw",
  });
  const notice = await host.next(
    "notice",
    (e) => e.code === "announced" || e.code === "announce-failed",
  );
  assertEquals(notice.code, "announced", host.describe());
  // The terminal shows it in brackets: it has none of its own.
  assertOk(!/[()]/.test(notice.text), notice.text);
  assertOk(notice.text.includes("--no-announce"), notice.text);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

Deno.test("`rt` pasted before the address: rt says to leave it out, and what to type", async () => {
  await using e2e = new E2e();
  const pasted = e2e.spawn("pasted", ["rt", "127.0.0.1", "41234"], { json: false });
  const exit = await pasted.exit();
  assertEquals(exit.code, 2, pasted.describe());
  const lines = pasted.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, pasted.stderr);
  assertOk(lines[0]!.startsWith("rt: Leave out the word rt"), lines[0]);
  assertOk(lines[0]!.includes("deno task start 127.0.0.1 41234"), lines[0]);
  assertOk(lines[0]!.includes("deno task install"), lines[0]);
  assertOk(!lines[0]!.includes("too many arguments"), lines[0]);
  assertEquals(pasted.stdout, "");

  // A machine on the network called "rt" can still be joined.
  const named = e2e.spawn("named", ["rt", "41234"], { json: false, password: "pw" });
  await named.closeStdin();
  const joined = await named.exit();
  assertEquals(joined.code, 1, named.describe());
  assertOk(named.stdout.includes("Connecting to rt port 41234"), named.describe());
  assertOk(!named.stderr.includes("Leave out"), named.stderr);
});

Deno.test("a program on the port that answers something else is named as not an rt room", async () => {
  await using e2e = new E2e();
  // An SSH server greets first, as rt's hosts do, with a line of text.
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of server) {
      await conn.write(new TextEncoder().encode("SSH-2.0-OpenSSH_9.6\r\n")).catch(() => 0);
      // Kept open until the joiner hangs up, as a server waiting for its client would.
      await conn.readable.pipeTo(new WritableStream()).catch(() => {});
    }
  })();
  try {
    const joiner = e2e.joiner(server.addr.port, { label: "ann", name: "ann" });
    const error = await joiner.next("error");
    assertEquals(
      error.message,
      `127.0.0.1 port ${server.addr.port} answered, but not like an rt room: is it the right port?`,
      joiner.describe(),
    );
    assertEquals((await joiner.exit()).code, 1, joiner.describe());
  } finally {
    server.close();
    await serving;
  }
});
