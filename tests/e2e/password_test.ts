/** Wrong passwords, end to end: three tries, then the joiner is denied and the room goes on. */
import { assertEquals } from "../assert.ts";
import { check, E2e } from "./harness.ts";

Deno.test("three wrong passwords: the joiner is denied, the host is told, the room goes on", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana", password: "right" });

  // First try from RT_PASSWORD, the next two typed at the prompts.
  const joiner = e2e.joiner(port, { label: "mallory", name: "mallory", password: "wrong-1" });
  const first = await joiner.next("wrong-password");
  assertEquals(first.triesLeft, 2);
  await joiner.next("prompt", (e) => e.for === "password" && e.triesLeft === 2);
  await joiner.type("wrong-2");
  const second = await joiner.next("wrong-password", undefined, { count: 2 });
  assertEquals(second.triesLeft, 1);
  await joiner.next("prompt", (e) => e.for === "password" && e.triesLeft === 1);
  await joiner.type("wrong-3");

  const error = await joiner.next("error");
  assertEquals(error.code, "wrong-password");
  assertEquals(error.message, "Wrong password too many times; the host closed the connection");
  assertEquals((await joiner.exit()).code, 1, `mallory's exit\n${joiner.describe()}`);
  // Two `wrong-password` events (after the first and second tries), no more; never welcomed.
  assertEquals(joiner.all("wrong-password").map((e) => e.triesLeft), [2, 1]);
  assertEquals(joiner.all("prompt").map((e) => e.for), ["password", "password"]);
  check(e2e, joiner.all("welcome").length === 0, "a denied joiner was welcomed");

  // The host: a notice with the joiner's address for each wrong try, then `denied`.
  await host.next("notice", (e) => e.code === "denied");
  const notices = host.all("notice");
  assertEquals(notices.map((n) => n.code), [
    "wrong-password",
    "wrong-password",
    "wrong-password",
    "denied",
  ]);
  for (const n of notices) {
    assertEquals(n.address, "127.0.0.1");
    check(e2e, n.text.includes("127.0.0.1"), `notice text without the address: ${n.text}`);
  }

  // The room carries on: a member with the right password joins and talks with the host.
  const alice = await e2e.join(port, "alice", "right");
  await host.next("joined", (e) => e.name === "alice");
  await alice.type("made it");
  await host.next("message", (e) => e.from === "alice" && e.text === "made it");
  await host.type("welcome");
  await alice.next("message", (e) => e.from === "hana" && e.text === "welcome");
  // mallory never appeared in the room.
  check(e2e, !host.all("joined").some((e) => e.name === "mallory"), "mallory joined");

  await host.interrupt();
  await alice.next("closed");
  assertEquals((await alice.exit()).code, 0);
  assertEquals((await host.exit()).code, 0);
  for (const p of [host, joiner, alice]) assertEquals(p.stderr, "", `${p.label}'s stderr`);
});
