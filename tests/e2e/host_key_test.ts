/**
 * The host's key as the joiner learns it: from the proof on the channel, never from what the
 * host writes about itself. A host that knows the password but lists another key for itself
 * (the real host's) is refused before anything is said; the host's status, before a name is
 * given and in the room, comes from the key it proved.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { check, E2e } from "./harness.ts";
import { LyingHost } from "./lying_host.ts";
import { fingerprint, generateIdentity, type Identity } from "../../lib/identity/keys.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";

/** A folder for rt in which hana, with `key`, is known (and verified, when asked). */
async function homeKnowing(e2e: E2e, key: Uint8Array, verified: boolean): Promise<string> {
  const home = e2e.home();
  const book = await PeerBook.open(home);
  book.record("hana", key);
  if (verified) book.trust(key);
  await book.flush();
  return home;
}

const realHana: Identity = generateIdentity();

for (
  const [lie, listed] of [
    ["lists the real host's key for its own seat", { name: "hana", key: realHana.publicKey }],
    ["lists no host at all", null],
  ] as const
) {
  Deno.test(`a host that proves one key and ${lie} is refused; nothing said reaches it`, async () => {
    await using e2e = new E2e();
    const bobHome = await homeKnowing(e2e, realHana.publicKey, true);
    const impostor = generateIdentity();
    await using liar = new LyingHost({ identity: impostor, password: "pw", welcome: listed });
    const bob = e2e.joiner(liar.port, { label: "bob", name: "bob", home: bobHome });
    const first = await bob.waitFor((e) => e.type === "welcome" || e.type === "error");
    if (first.type === "welcome") {
      // What rt did before: in the room, the impostor seated as the verified hana, and what bob
      // says goes to it.
      await bob.type("meet me at the usual place");
      await liar.until(() => liar.received.some((m) => m.t === "say"), "bob's message");
    }
    check(
      e2e,
      first.type === "error",
      `bob was welcomed by a host that lied about its key; it received ${
        JSON.stringify(liar.received.map((m) => m.t))
      }`,
    );
    assertEquals(first.code, "host-key-forged", bob.describe());
    assertOk(first.message.includes(fingerprint(impostor.publicKey)), first.message);
    if (listed) assertOk(first.message.includes(fingerprint(listed.key)), first.message);
    assertEquals((await bob.exit()).code, 1, bob.describe());
    // The status shown before the name was sent came from the key proven: new, not verified.
    const hostKey = bob.all("host-key");
    assertEquals(hostKey.length, 1, bob.describe());
    assertEquals(hostKey[0]!.fingerprint, fingerprint(impostor.publicKey));
    assertEquals(hostKey[0]!.status, "new");
    assertOk(!bob.events.some((e) => e.type === "welcome"), bob.describe());
    await liar.until(() => liar.ended === 1, "bob's connection to end");
    assertEquals(liar.received.map((m) => m.t), ["join"], "only the request to join, no goodbye");
  });
}

Deno.test("a host whose answers to /who list the real host's key: the status stays the proven key's", async () => {
  await using e2e = new E2e();
  const bobHome = await homeKnowing(e2e, realHana.publicKey, true);
  const impostor = generateIdentity();
  await using liar = new LyingHost({
    identity: impostor,
    password: "pw",
    welcome: { name: "hana", key: impostor.publicKey },
    who: { name: "hana", key: realHana.publicKey },
  });
  const bob = await e2e.join(liar.port, "bob", "pw", bobHome);
  const welcome = bob.all("welcome")[0]!;
  const seat = welcome.members.find((m) => m.host);
  assertEquals(seat?.status, "key-changed", bob.describe());
  assertEquals(seat?.fingerprint, fingerprint(impostor.publicKey));
  await bob.next("warning", (e) => e.code === "key-changed" && e.name === "hana");
  await bob.type("/who");
  const who = await bob.next("who");
  const listed = who.members.find((m) => m.host);
  assertEquals(
    [listed?.status, listed?.fingerprint],
    ["key-changed", fingerprint(impostor.publicKey)],
    bob.describe(),
  );
  await bob.type("/quit");
  assertEquals((await bob.exit()).code, 0);
});

Deno.test("a joiner who knows the host sees the status of the key proven before giving a name", async () => {
  await using e2e = new E2e();
  const hanaHome = e2e.home(), bobHome = e2e.home();
  const { process: hana, port } = await e2e.host({ name: "hana", home: hanaHome });
  const hanaKey = (await hana.next("welcome", (e) => e.host)).fingerprint;

  // A first visit: the key is new; then bob knows it.
  const first = e2e.joiner(port, { label: "bob", home: bobHome });
  await first.next("prompt", (e) => e.for === "name");
  assertEquals(first.all("host-key").map((e) => [e.fingerprint, e.status]), [[hanaKey, "new"]]);
  await first.type("bob");
  await first.next("welcome");
  await first.type("/quit");
  assertEquals((await first.exit()).code, 0);

  // Again: known, as hana, before the name is asked.
  const again = e2e.joiner(port, { label: "bob again", home: bobHome });
  await again.next("prompt", (e) => e.for === "name");
  const known = again.all("host-key");
  assertEquals(known.map((e) => [e.fingerprint, e.status, e.names]), [
    [hanaKey, "known", ["hana"]],
  ]);
  // End of input at the name prompt: a prompt cancelled (130), as at the password prompt.
  await again.closeStdin();
  assertEquals((await again.exit()).code, 130, again.describe());

  // Someone else hosts as "hana": before bob gives a name, rt shows the key it proved, which
  // bob has never met; nothing reached that host yet. In the room, hana's key has changed.
  const { process: impostor, port: port2 } = await e2e.host({ name: "hana" });
  const impostorKey = (await impostor.next("welcome", (e) => e.host)).fingerprint;
  const bob = e2e.joiner(port2, { label: "bob meets an impostor", home: bobHome });
  await bob.next("prompt", (e) => e.for === "name");
  const shown = bob.all("host-key");
  assertEquals(shown.map((e) => [e.fingerprint, e.status]), [[impostorKey, "new"]]);
  const order = bob.events.map((e) => e.type);
  assertOk(order.indexOf("host-key") < order.indexOf("prompt"), bob.describe());
  check(e2e, !impostor.events.some((e) => e.type === "joined"), "no join before the name");
  await bob.type("bob");
  const welcome = await bob.next("welcome");
  const seat = welcome.members.find((m) => m.host);
  assertEquals([seat?.status, seat?.fingerprint], ["key-changed", impostorKey]);
  await bob.next("warning", (e) => e.code === "key-changed" && e.name === "hana");
  await bob.type("/quit");
  assertEquals((await bob.exit()).code, 0);

  // hana in a second terminal, with her own key: that is what rt says before the name.
  const herself = e2e.joiner(port, { label: "hana again", home: hanaHome });
  await herself.next("prompt", (e) => e.for === "name");
  assertEquals(herself.all("host-key").map((e) => [e.fingerprint, e.status]), [
    [hanaKey, "your-key"],
  ]);
  await herself.closeStdin();
  assertEquals((await herself.exit()).code, 130, herself.describe());
  for (const host of [impostor, hana]) {
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0, host.describe());
  }
});
