/**
 * A known name with another key is warned about on every visit, in this session and the next,
 * and `/send` keeps refusing it, until the user trusts the new key. Look-alike names: mixed
 * alphabets are refused at the name prompt, and a name spelt in Cyrillic letters that look
 * Latin is the name it imitates (taken while that one is here, a changed key otherwise).
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { E2e, type RtProcess } from "./harness.ts";

/** Waits for `name`'s next arrival at `host`, with its warnings; returns its key status. */
async function arrival(host: RtProcess, since: number, name: string): Promise<string> {
  const joined = await host.next("joined", (e) => e.name === name, { since });
  if (joined.status === "key-changed") {
    await host.next("warning", (e) => e.code === "key-changed" && e.name === name, { since });
  }
  return joined.status;
}

async function leave(p: RtProcess): Promise<void> {
  await p.type("/quit");
  assertEquals((await p.exit()).code, 0, p.describe());
}

Deno.test("a changed key is warned about on every visit and blocks /send, until /trust", async () => {
  await using e2e = new E2e();
  const hostHome = e2e.home(), bobHome = e2e.home(), impostorHome = e2e.home();
  const file = join(hostHome, "notes.txt");
  await Deno.writeTextFile(file, "for bob only");
  let { process: host, port } = await e2e.host({ name: "hana", home: hostHome });
  let since = host.events.length;
  await leave(await e2e.join(port, "bob", "pw", bobHome));
  assertEquals(await arrival(host, since, "bob"), "new");

  // Someone else comes as "bob": warned the first time...
  since = host.events.length;
  await leave(await e2e.join(port, "bob", "pw", impostorHome));
  assertEquals(await arrival(host, since, "bob"), "key-changed");
  // ...and every time after, not "known" because the host saw it once.
  since = host.events.length;
  let impostor = await e2e.join(port, "bob", "pw", impostorHome);
  assertEquals(await arrival(host, since, "bob"), "key-changed", host.describe());
  since = host.events.length;
  await host.type(`/send bob ${file}`);
  const refused = await host.next("warning", (e) => e.code === "key-changed", { since });
  assertOk(refused.text.includes("Not offered"), refused.text);
  assertOk(!host.events.slice(since).some((e) => e.type === "file-offered"), host.describe());
  await leave(impostor);

  // The next session of the host: still a changed key.
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
  ({ process: host, port } = await e2e.host({ name: "hana", home: hostHome }));
  since = host.events.length;
  impostor = await e2e.join(port, "bob", "pw", impostorHome);
  assertEquals(await arrival(host, since, "bob"), "key-changed", host.describe());
  await host.type("/who");
  const who = await host.next("who", () => true, { since });
  assertEquals(who.members.find((m) => m.name === "bob")?.status, "key-changed");

  // The host compares the safety code and trusts the new key: from then on it is verified.
  await host.type("/trust bob");
  await host.next("notice", (e) => e.code === "trusted", { since });
  await leave(impostor);
  since = host.events.length;
  await leave(await e2e.join(port, "bob", "pw", impostorHome));
  assertEquals(await arrival(host, since, "bob"), "verified");
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

Deno.test("look-alike names: mixed alphabets refused; a Cyrillic 'alice' is alice", async () => {
  await using e2e = new E2e();
  const hostHome = e2e.home();
  const { process: host, port } = await e2e.host({ name: "hana", home: hostHome });
  const alice = await e2e.join(port, "alice");

  // Cyrillic "а" followed by Latin "lice": refused at the name prompt, with the reason.
  const mixed = e2e.joiner(port, { label: "mixed", name: "\u0430lice" });
  const refusal = await mixed.next("name-refused");
  assertOk(refusal.reason.includes("Latin and Cyrillic"), refusal.reason);
  await mixed.next("prompt", (e) => e.for === "name");
  // Every letter Cyrillic (а ӏ і с е): one alphabet, but it is alice's name while she is here.
  await mixed.type("\u0430\u04cf\u0456\u0441\u0435");
  const taken = await mixed.next("name-refused", (e) => e.reason.includes("taken"));
  assertOk(taken.reason.includes('"alice"'), taken.reason);
  await mixed.next("prompt", (e) => e.for === "name", { count: 2 });
  await mixed.type("mallory");
  await mixed.next("welcome", (e) => e.name === "mallory");
  assertOk(
    !host.events.some((e) => e.type === "joined" && e.name !== "alice" && e.name !== "mallory"),
  );
  await leave(mixed);
  await leave(alice);

  // alice gone, the Cyrillic look-alike gets in, and the host is told it is not alice's key.
  const since = host.events.length;
  const lookAlike = e2e.joiner(port, {
    label: "look-alike",
    name: "\u0430\u04cf\u0456\u0441\u0435",
  });
  await lookAlike.next("welcome");
  const joined = await host.next("joined", () => true, { since });
  assertEquals(joined.name, "\u0430\u04cf\u0456\u0441\u0435");
  assertEquals(joined.status, "key-changed", host.describe());
  const warning = await host.next("warning", (e) => e.code === "key-changed", { since });
  assertEquals(warning.name, "\u0430\u04cf\u0456\u0441\u0435");
  await leave(lookAlike);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});
