import { assertEquals, assertOk } from "../assert.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";

const key = (n: number) => new Uint8Array(32).fill(n);

Deno.test("statuses: new, known, verified, key changed, name changed", () => {
  const book = PeerBook.inMemory();
  assertEquals(book.classify("Ann", key(1)), { status: "new" });
  book.record("Ann", key(1));
  assertEquals(book.classify("ann", key(1)), { status: "known" });
  assertEquals(book.classify("ANN", key(2)), {
    status: "key-changed",
    previousKeys: ["01".repeat(32)],
  });
  assertEquals(book.classify("Annie", key(1)), { status: "name-changed", previousNames: ["Ann"] });
  assertOk(book.trust(key(1)));
  assertEquals(book.classify("Ann", key(1)), { status: "verified" });
  assertOk(!book.trust(key(9)));
});

Deno.test("forget by name or key prefix", () => {
  const book = PeerBook.inMemory();
  book.record("Ann", key(1));
  book.record("Bob", key(2));
  book.record("Bobby", key(2));
  assertEquals(book.forget("bob", () => false).map((r) => r.names), [["Bob", "Bobby"]]);
  assertEquals(book.forget("0101010101", () => false).length, 1);
  assertEquals(book.list(), []);
});

Deno.test("the book survives a restart, and a damaged file is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-peers-" });
  try {
    const book = await PeerBook.open(dir);
    book.record("Ann", key(1), new Date("2026-01-01T00:00:00Z"));
    book.trust(key(1));
    await book.flush();
    const again = await PeerBook.open(dir);
    assertEquals(again.classify("Ann", key(1)), { status: "verified" });
    assertEquals(again.get(key(1))?.firstSeen, "2026-01-01T00:00:00.000Z");
    await Deno.writeTextFile(`${dir}/peers.json`, "{broken");
    let failed = false;
    try {
      await PeerBook.open(dir);
    } catch {
      failed = true;
    }
    assertOk(failed);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
