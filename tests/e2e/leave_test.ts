/** Leaving, end to end: stdin EOF, SIGINT, and leaving while the room is busy. */
import { assertEquals } from "../assert.ts";
import { E2e } from "./harness.ts";

Deno.test("a joiner leaves on stdin EOF or SIGINT; the host closes the room on EOF", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  const [alice, bob, carol] = await Promise.all(
    ["alice", "bob", "carol"].map((name) => e2e.join(port, name)),
  );
  for (const p of [host, alice!, bob!, carol!]) {
    for (const name of ["alice", "bob", "carol"]) {
      if (name !== p.label) {
        await p.waitFor(
          (e) =>
            (e.type === "joined" && e.name === name) ||
            (e.type === "welcome" && e.members.some((m) => m.name === name)),
        );
      }
    }
  }
  // One at a time, each once nothing is on its way to it (see the test below).
  await bob!.closeStdin();
  assertEquals((await bob!.exit()).code, 0, bob!.describe());
  for (const p of [host, alice!, carol!]) {
    assertEquals((await p.next("left", (e) => e.name === "bob")).reason, "quit");
  }
  await alice!.interrupt();
  assertEquals((await alice!.exit()).code, 0, alice!.describe());
  for (const p of [host, carol!]) {
    assertEquals((await p.next("left", (e) => e.name === "alice")).reason, "quit");
  }
  await host.closeStdin();
  assertEquals((await carol!.next("closed")).reason, "the host closed the room");
  assertEquals((await carol!.exit()).code, 0, carol!.describe());
  assertEquals((await host.exit()).code, 0, host.describe());
  for (const p of [host, alice!, bob!, carol!]) assertEquals(p.stderr, "", p.label);
});

// A joiner that leaves while frames are still arriving must not close its socket with unread
// bytes (the kernel would reset the connection and the host could lose the goodbye):
// `RemoteSession.close()` waits for the host to hang up first.
Deno.test({
  name: "a member who quits while messages are arriving is seen to quit, not lost",
  fn: async () => {
    await using e2e = new E2e();
    // A high rate limit: this test is about leaving under load, not about flood control.
    const { process: host, port } = await e2e.host({ name: "hana", args: ["--rate", "10000"] });
    const alice = await e2e.join(port, "alice");
    const bob = await e2e.join(port, "bob");
    const talking = (async () => {
      for (let i = 0; i < 200; i++) await alice.type(`message ${i}`);
    })();
    await bob.next("message", (e) => e.text === "message 5");
    await bob.type("/quit");
    await talking;
    assertEquals((await bob.exit()).code, 0, bob.describe());
    assertEquals((await host.next("left", (e) => e.name === "bob")).reason, "quit");
    assertEquals(host.all("notice"), []);
    await host.interrupt();
    assertEquals((await alice.exit()).code, 0);
    assertEquals((await host.exit()).code, 0);
  },
});
