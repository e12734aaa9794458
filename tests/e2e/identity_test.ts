/**
 * Identities end to end: keys remembered between visits, loud warnings when a known name
 * comes back with another key, and a relay that tampers with signed messages.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { Room } from "../../lib/room/room.ts";
import { RoomHost } from "../../lib/host/host.ts";
import type { MemberLink } from "../../lib/room/room.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { LocalSession } from "../../lib/client/session.ts";

Deno.test("a known name with a new key: every member sees the warning", async () => {
  await using e2e = new E2e();
  const hostHome = e2e.home(), carolHome = e2e.home();
  const { process: host, port } = await e2e.host({ name: "hana", home: hostHome });
  const carol = await e2e.join(port, "carol", "pw", carolHome);
  const bob = await e2e.join(port, "bob");
  for (const p of [host, carol]) {
    const joined = await p.next("joined", (e) => e.name === "bob");
    assertEquals(joined.status, "new");
  }
  await bob.type("/quit");
  assertEquals((await bob.exit()).code, 0);
  // Someone else arrives as "bob", with a key of their own.
  const impostor = await e2e.join(port, "bob");
  for (const p of [host, carol]) {
    const joined = await p.next("joined", (e) => e.name === "bob" && e.status !== "new");
    assertEquals(joined.status, "key-changed", p.describe());
    const warning = await p.next("warning", (e) => e.code === "key-changed");
    assertEquals(warning.name, "bob");
    assertOk(warning.text.includes("/verify bob"));
  }
  await impostor.type("/quit");
  await impostor.exit();
  await carol.type("/quit");
  await carol.exit();
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0);

  // Second visit: carol joins a room whose host reuses the name "hana" with another key.
  const { process: fakeHost, port: port2 } = await e2e.host({ name: "hana" });
  const carolAgain = e2e.joiner(port2, { label: "carol", name: "carol", home: carolHome });
  const welcome = await carolAgain.next("welcome");
  assertEquals(welcome.members.find((m) => m.name === "hana")?.status, "key-changed");
  await carolAgain.next("warning", (e) => e.code === "key-changed" && e.name === "hana");
  await carolAgain.type("/quit");
  await carolAgain.exit();
  await fakeHost.closeStdin();
  await fakeHost.exit();
});

Deno.test("returning with the same key is known; /trust makes it verified across visits", async () => {
  await using e2e = new E2e();
  const hostHome = e2e.home(), bobHome = e2e.home();
  const { process: host, port } = await e2e.host({ name: "hana", home: hostHome });
  const bob = await e2e.join(port, "bob", "pw", bobHome);
  await host.next("joined", (e) => e.name === "bob");
  await host.type("/verify bob");
  await bob.type("/verify hana");
  const hostCode = await host.next("safety-code"), bobCode = await bob.next("safety-code");
  assertEquals(hostCode.code, bobCode.code, "both sides compute the same safety code");
  await host.type("/trust bob");
  await host.next("notice", (e) => e.code === "trusted");
  await bob.type("/quit");
  await bob.exit();
  const again = await e2e.join(port, "bob", "pw", bobHome);
  const joined = await host.next("joined", (e) => e.name === "bob" && e.status !== "new");
  assertEquals(joined.status, "verified");
  const hostView = await again.events.find((e) => e.type === "welcome");
  assertOk(hostView?.type === "welcome");
  assertEquals(hostView.members.find((m) => m.name === "hana")?.status, "known");
  await host.type("/whois bob");
  const whois = await host.next("whois");
  assertEquals([whois.status, whois.address], ["verified", "127.0.0.1"]);
  await again.type("/whois hana");
  const theirs = await again.next("whois");
  assertEquals(theirs.address, undefined, "only the host sees addresses");
  await again.type("/quit");
  await again.exit();
  await host.closeStdin();
  await host.exit();
});

/** A room whose relay alters what it forwards: what a compromised host could try. */
class TamperingRoom extends Room {
  override connect(link: MemberLink, info: Parameters<Room["connect"]>[1]) {
    return super.connect({
      deliver: (m) => {
        if (m.t === "said" && m.text.includes("tamper")) link.deliver({ ...m, text: m.text + "!" });
        else if (m.t === "dm") {
          const box = m.box.slice();
          box[box.length - 1]! ^= 1;
          link.deliver({ ...m, box });
        } else link.deliver(m);
      },
      disconnect: () => link.disconnect(),
    }, info);
  }
}

Deno.test("a relay that tampers with signed messages: members drop them and report it", async () => {
  await using e2e = new E2e();
  const room = new TamperingRoom(), identity = generateIdentity();
  const relay = RoomHost.start(room, {
    password: () => "pw",
    identity,
    bind: "127.0.0.1",
    port: 0,
    onNotice: () => {},
  });
  // Its host is seated, with the key it proves: joiners refuse a room that seats no host.
  const seat = new LocalSession(room, identity.publicKey);
  seat.send({ t: "join", name: "relay" });
  try {
    const ann = await e2e.join(relay.port, "ann");
    const bob = await e2e.join(relay.port, "bob");
    await ann.next("joined", (e) => e.name === "bob");
    await ann.type("please tamper with this");
    await ann.type("/msg bob a private word");
    await ann.type("left alone");
    const forged = await bob.next("warning", (e) => e.code === "forged-message");
    assertEquals(forged.name, "ann");
    const badDirect = await bob.next("warning", (e) => e.code === "bad-direct-message");
    assertEquals(badDirect.name, "ann");
    const genuine = await bob.next("message", (e) => e.text === "left alone");
    assertEquals(genuine.from, "ann");
    for (const p of [ann, bob]) {
      assertOk(
        !p.events.some((e) => e.type === "message" && e.text.includes("tamper")),
        p.describe(),
      );
    }
    assertOk(!bob.events.some((e) => e.type === "message" && e.direct));
    await ann.type("/quit");
    await bob.type("/quit");
    await Promise.all([ann.exit(), bob.exit()]);
  } finally {
    await relay.close();
  }
});
