/**
 * A known name with another key stays "key-changed" until the user trusts the new key (or
 * forgets a key): seeing the newcomer again, in this session or the next, does not make it
 * "known". Pure logic: the book in memory, and the book on disk for the next session.
 */
import { assertEquals } from "../assert.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";

const key = (n: number) => new Uint8Array(32).fill(n);
const hex = (n: number) => key(n).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");

/** What rt does when a member is seated: classify, then remember. */
function seat(book: PeerBook, name: string, k: Uint8Array): string {
  const { status } = book.classify(name, k);
  book.record(name, k);
  return status;
}

Deno.test("a changed key is warned about every time it is seen, until /trust", () => {
  const book = PeerBook.inMemory();
  assertEquals(seat(book, "Ann", key(1)), "new");
  assertEquals(seat(book, "Ann", key(1)), "known");
  assertEquals(seat(book, "ann", key(2)), "key-changed");
  assertEquals(seat(book, "Ann", key(2)), "key-changed", "seen again: still not the Ann we knew");
  assertEquals(book.classify("ANN", key(2)), {
    status: "key-changed",
    previousKeys: [hex(1)],
  });
  // The first key is still Ann's.
  assertEquals(seat(book, "Ann", key(1)), "known");
  book.trust(key(2));
  assertEquals(seat(book, "Ann", key(2)), "verified");
  assertEquals(seat(book, "Ann", key(1)), "known");
});

Deno.test("the unresolved change survives a restart; trusting resolves it for good", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-peers-" });
  try {
    const first = await PeerBook.open(dir);
    seat(first, "Ann", key(1));
    assertEquals(seat(first, "Ann", key(2)), "key-changed");
    await first.flush();
    const second = await PeerBook.open(dir);
    assertEquals(seat(second, "Ann", key(2)), "key-changed", "the next session warns too");
    second.trust(key(2));
    await second.flush();
    const third = await PeerBook.open(dir);
    assertEquals(seat(third, "Ann", key(2)), "verified");
    // Seating records the visit: its save must land before the folder goes.
    await third.flush();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("forgetting resolves the change: by name (both keys), or the old key alone", () => {
  const byName = PeerBook.inMemory();
  seat(byName, "Ann", key(1));
  seat(byName, "Ann", key(2));
  assertEquals(byName.forget("ann", () => false).length, 2);
  assertEquals(seat(byName, "Ann", key(2)), "new");

  const oldKey = PeerBook.inMemory();
  seat(oldKey, "Ann", key(1));
  seat(oldKey, "Ann", key(2));
  assertEquals(oldKey.forget(hex(1).slice(0, 8), () => false).length, 1);
  assertEquals(seat(oldKey, "Ann", key(2)), "known", "nobody else is Ann any more");
});

Deno.test("a key known under another name that takes a known name is a changed key", () => {
  const book = PeerBook.inMemory();
  seat(book, "Ann", key(1));
  // Mallory first comes as herself, then as Ann: the name is Ann's, the key is not.
  assertEquals(seat(book, "Mallory", key(2)), "new");
  assertEquals(book.classify("Ann", key(2)), { status: "key-changed", previousKeys: [hex(1)] });
  seat(book, "Ann", key(2));
  assertEquals(seat(book, "Ann", key(2)), "key-changed");
  assertEquals(seat(book, "Mallory", key(2)), "known", "her own name is still hers");
  // A verified key is not a licence to take someone else's name.
  book.trust(key(3));
  seat(book, "Bob", key(3));
  book.trust(key(3));
  assertEquals(seat(book, "Ann", key(3)), "key-changed");
});

Deno.test("a person who changes name keeps the name-changed warning, as before", () => {
  const book = PeerBook.inMemory();
  seat(book, "Ann", key(1));
  assertEquals(book.classify("Annie", key(1)), { status: "name-changed", previousNames: ["Ann"] });
  seat(book, "Annie", key(1));
  assertEquals(seat(book, "Annie", key(1)), "known");
});

Deno.test("an older peers file without unresolved changes still loads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-peers-" });
  try {
    await Deno.writeTextFile(
      `${dir}/peers.json`,
      JSON.stringify({
        format: "rt-peers-1",
        peers: [{
          key: hex(1),
          names: ["Ann"],
          firstSeen: "2026-01-01T00:00:00.000Z",
          lastSeen: "2026-01-01T00:00:00.000Z",
          verified: true,
        }],
      }),
    );
    const book = await PeerBook.open(dir);
    assertEquals(book.classify("Ann", key(1)), { status: "verified" });
    await Deno.writeTextFile(
      `${dir}/peers.json`,
      JSON.stringify({
        format: "rt-peers-1",
        peers: [{
          key: hex(1),
          names: ["Ann"],
          firstSeen: "x",
          lastSeen: "x",
          verified: false,
          unresolved: "Ann",
        }],
      }),
    );
    let refused = false;
    await PeerBook.open(dir).catch(() => refused = true);
    assertEquals(refused, true, "a damaged entry is refused");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
