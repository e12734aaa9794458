/**
 * A room with a host and three joiners, end to end: joins, messages, `/who`, refused names,
 * a late joiner, `/quit`, and the host closing the room.
 */
import { assertEquals } from "../assert.ts";
import { check, E2e, type RtProcess } from "./harness.ts";

/** Who a member knows is in the room: the welcome's list, plus later joins, minus leaves. */
function roster(p: RtProcess): string[] {
  const names = new Set<string>();
  for (const e of p.events) {
    if (e.type === "welcome") e.members.forEach((m) => names.add(m.name));
    if (e.type === "joined") names.add(e.name);
    if (e.type === "left") names.delete(e.name);
  }
  return [...names].sort();
}

const JOSE_NFC = "Jos\u00e9";
const JOSE_NFD = "Jose\u0301";

Deno.test("a host and three joiners chat, refuse duplicate names, and close", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });

  // Three joiners at once; José's name is in composed (NFC) form.
  const [alice, bob, jose] = await Promise.all([
    e2e.join(port, "alice"),
    e2e.join(port, "bob"),
    e2e.join(port, JOSE_NFC),
  ]);
  const members = [host, alice!, bob!, jose!];
  const everyone = ["alice", "bob", "hana", JOSE_NFC].sort();

  // Everyone sees each join: each member ends up knowing all four, through the welcome list
  // or a `joined` event, and every `joined` names someone other than the one who sees it.
  for (const p of members) {
    for (const name of everyone) {
      if (name === p.label) continue;
      await p.waitFor(
        (e) =>
          (e.type === "joined" && e.name === name) ||
          (e.type === "welcome" && e.members.some((m) => m.name === name)),
        undefined,
        { what: `to learn that ${name} joined` },
      );
    }
    assertEquals(roster(p), everyone, `${p.label}'s view of the room`);
    check(e2e, !p.all("joined").some((j) => j.name === p.label), `${p.label} saw its own join`);
  }
  // The host sees every joiner's join as an event (it was there first).
  for (const name of ["alice", "bob", JOSE_NFC]) await host.next("joined", (e) => e.name === name);

  // A message from each reaches all the others (and comes back to the sender as its own).
  for (const p of members) await p.type(`hello from ${p.label}`);
  for (const sender of members) {
    const text = `hello from ${sender.label}`;
    for (const p of members) {
      const got = await p.next("message", (e) => e.text === text, { what: `"${text}"` });
      assertEquals(got.from, sender.label);
      assertEquals(got.own, p === sender, `"own" for ${p.label} receiving from ${sender.label}`);
    }
  }

  // `/who` lists all four, with the host marked.
  for (const p of [host, alice!]) {
    await p.type("/who");
    const who = await p.next("who");
    assertEquals(who.members.map((m) => m.name).sort(), everyone);
    assertEquals(who.members.filter((m) => m.host).map((m) => m.name), ["hana"]);
  }

  // A later joiner asks for "ALICE" (taken, differing only in case), then "José" decomposed
  // (NFD; taken in NFC form): both refused, each time asked again; then "dave" works.
  const late = e2e.joiner(port, { label: "dave", name: "ALICE" });
  const refused1 = await late.next("name-refused");
  check(e2e, refused1.reason.includes('"alice"'), `ALICE refused for alice: ${refused1.reason}`);
  const ask1 = late.events.indexOf(refused1) + 1;
  await late.next("prompt", (e) => e.for === "name", { since: ask1 });
  await late.type(JOSE_NFD);
  const refused2 = await late.next("name-refused", undefined, { count: 2 });
  check(e2e, refused2.reason.includes(`"${JOSE_NFC}"`), `José refused: ${refused2.reason}`);
  await late.next("prompt", (e) => e.for === "name", { count: 2 });
  await late.type("dave");
  const welcome = await late.next("welcome");
  assertEquals(welcome.name, "dave");
  assertEquals(welcome.members.map((m) => m.name).sort(), [...everyone, "dave"].sort());
  for (const p of members) await p.next("joined", (e) => e.name === "dave");
  // Nobody ever saw the refused names join.
  for (const p of members) {
    const joined = p.all("joined").map((e) => e.name);
    check(e2e, !joined.includes("ALICE") && !joined.includes(JOSE_NFD), `${p.label}: ${joined}`);
  }

  // The late joiner did not get the earlier messages, only what was said after it came in.
  await bob!.type("welcome, dave");
  await late.next("message", (e) => e.text === "welcome, dave");
  assertEquals(late.all("message").map((m) => m.text), ["welcome, dave"]);

  // bob leaves with /quit: he exits 0 and everyone else sees him leave for that reason.
  // (First let everything sent to him arrive: see "quits while messages are arriving" in
  // leave_test.ts for why.)
  for (const p of members) await p.next("message", (e) => e.text === "welcome, dave");
  await bob!.type("/quit");
  assertEquals((await bob!.exit()).code, 0, `bob's exit\n${bob!.describe()}`);
  for (const p of [host, alice!, jose!, late]) {
    const left = await p.next("left", (e) => e.name === "bob");
    assertEquals(left.reason, "quit");
  }

  // The host closes the room with SIGINT: every joiner is told and exits 0, and so does the
  // host.
  await host.interrupt();
  for (const p of [alice!, jose!, late]) {
    const closed = await p.next("closed");
    assertEquals(closed.reason, "the host closed the room");
    assertEquals((await p.exit()).code, 0, `${p.label}'s exit\n${p.describe()}`);
  }
  await host.next("closed");
  assertEquals((await host.exit()).code, 0, `host's exit\n${host.describe()}`);

  // Clean ends: only JSON on stdout, nothing on stderr.
  for (const p of [...members, late]) {
    assertEquals(p.nonJson, [], `${p.label}'s stdout`);
    assertEquals(p.stderr, "", `${p.label}'s stderr`);
  }
});
