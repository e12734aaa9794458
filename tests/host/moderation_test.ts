/**
 * The host's commands about people, on a real room, blocklist and gate in memory: what a ban
 * blocks (a shared address is never blocked, only the key), kick and ban removing the member,
 * and unblock lifting kept blocks and this computer's back-offs.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Room } from "../../lib/room/mod.ts";
import { Blocklist } from "../../lib/store/mod.ts";
import { Gate } from "../../lib/host/gate.ts";
import { banEntry, Moderation } from "../../lib/host/moderation.ts";
import type { RoomMessage } from "../../lib/codec/mod.ts";

const KEY = new Uint8Array(32).fill(0xab);

Deno.test("ban entry: the key always; the address unless it is this computer's or Tor's", () => {
  const key = "ab".repeat(32);
  const reason = "banned by the host";
  assertEquals(banEntry({ name: "vic", key: KEY, address: "192.0.2.7" }), {
    address: "192.0.2.7",
    key,
    name: "vic",
    reason,
  });
  // IPv6: the /64 it counts under, as the gate counts it.
  assertEquals(
    banEntry({ name: "vic", key: KEY, address: "2001:db8:1:2:3:4:5:6" }).address,
    "2001:db8:1:2::/64",
  );
  assertEquals(
    banEntry({ name: "vic", key: KEY, address: "::ffff:192.0.2.7" }).address,
    "192.0.2.7",
  );
  for (const address of ["127.0.0.1", "::1", "onion", undefined]) {
    assertEquals(banEntry({ name: "vic", key: KEY, address }), {
      address: null,
      key,
      name: "vic",
      reason,
    }, String(address));
  }
});

function roomWith(name: string, address: string) {
  const room = new Room();
  const inbox: RoomMessage[] = [];
  let disconnected = false;
  const membership = room.connect({
    deliver: (m) => inbox.push(m),
    disconnect: () => disconnected = true,
  }, { address, key: KEY });
  membership.receive({ t: "join", name });
  const blocklist = Blocklist.inMemory();
  let now = 0;
  const gate = new Gate(blocklist, {}, () => now);
  return {
    room,
    blocklist,
    gate,
    moderation: new Moderation(room, blocklist, gate),
    inbox,
    advance: (ms: number) => now += ms,
    get disconnected() {
      return disconnected;
    },
  };
}

Deno.test("kick removes a member and tells them why; nobody by that name: null", () => {
  const r = roomWith("vic", "192.0.2.7");
  assertEquals(r.moderation.kick("ann"), null);
  const kicked = r.moderation.kick("VIC");
  assertEquals([kicked?.name, kicked?.address], ["vic", "192.0.2.7"]);
  assertOk(r.disconnected);
  assertEquals(r.inbox.at(-1), { t: "closed", reason: "the host removed you from the room" });
  assertEquals(r.room.members(), []);
  assertEquals(r.moderation.blocked(), []);
});

Deno.test("ban removes the member, blocks address and key, and the gate turns the address away", () => {
  const r = roomWith("vic", "192.0.2.7");
  assertEquals(r.moderation.ban("ann"), null);
  const entry = r.moderation.ban("vic");
  assertEquals(entry?.address, "192.0.2.7");
  assertEquals(r.inbox.at(-1), { t: "closed", reason: "the host banned you from this room" });
  assertEquals(r.moderation.blocked().map((e) => e.name), ["vic"]);
  assertOk(r.blocklist.bannedKey(KEY));
  const refused = r.gate.admit("192.0.2.7");
  assertOk("code" in refused && refused.code === "blocked", JSON.stringify(refused));
  // Lifted by name as well as by address.
  assertEquals(r.moderation.unblock("vic").map((e) => e.key), ["ab".repeat(32)]);
  assertEquals(r.moderation.blocked(), []);
  assertOk(!("code" in r.gate.admit("192.0.2.7")));
});

Deno.test("unblock lifts this computer's back-off, by the address as typed", () => {
  const r = roomWith("ann", "192.0.2.7");
  // Six wrong guesses from this computer: it backs off for a while.
  for (let i = 0; i < 6; i++) {
    const admission = r.gate.admit("127.0.0.1");
    if ("code" in admission) throw new Error(admission.reason);
    r.gate.guess(admission);
    r.gate.wrongGuess(admission);
    admission.release();
  }
  assertEquals(r.moderation.blocked().map((e) => [e.address, e.key]), [["127.0.0.1", null]]);
  assertOk("code" in r.gate.admit("127.0.0.1"));
  assertEquals(r.moderation.unblock("::ffff:127.0.0.1").map((e) => e.address), ["127.0.0.1"]);
  assertEquals(r.moderation.blocked(), []);
  assertOk(!("code" in r.gate.admit("127.0.0.1")));
});

Deno.test("lock: new joiners are refused until it is lifted", () => {
  const r = roomWith("ann", "192.0.2.7");
  assertEquals(r.moderation.locked, false);
  r.moderation.locked = true;
  const refused = r.gate.admit("192.0.2.8");
  assertOk("code" in refused && refused.code === "locked");
  r.moderation.locked = false;
  assertOk(!("code" in r.gate.admit("192.0.2.8")));
});
