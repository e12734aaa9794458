/**
 * The describer of addresses in the host's notices stays bounded whatever arrives: so many
 * addresses remembered, so many reverse lookups per network (/64) and at once.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { addressDescriber } from "../../lib/host/address_info.ts";

/** A resolver that counts lookups and answers when told. */
function resolver() {
  const asked: string[] = [];
  const waiting: (() => void)[] = [];
  return {
    asked,
    release: () => waiting.splice(0).forEach((go) => go()),
    resolve: (name: string) => {
      asked.push(name);
      return new Promise<string[]>((resolve) => waiting.push(() => resolve([`${name}.example.`])));
    },
  };
}

Deno.test("one /64 gets a few reverse lookups, however many of its addresses connect", async () => {
  const r = resolver();
  const describe = addressDescriber({ resolve: r.resolve, maxLookups: 1000 });
  const infos = Array.from({ length: 5000 }, (_, i) => describe(`2001:db8:1:2::${i.toString(16)}`));
  r.release();
  const described = await Promise.all(infos);
  assertEquals(r.asked.length, 4);
  assertEquals(described.filter((d) => d.reverse).length, 4);
});

Deno.test("lookups at once are capped; the rest are described without a name", async () => {
  const r = resolver();
  const describe = addressDescriber({ resolve: r.resolve });
  const infos = Array.from({ length: 100 }, (_, i) => describe(`198.51.100.${i}`));
  assertEquals(r.asked.length, 8);
  r.release();
  await Promise.all(infos);
});

Deno.test("so many addresses are remembered, the least recently asked forgotten first", async () => {
  const r = resolver();
  const describe = addressDescriber({ resolve: r.resolve, maxEntries: 10, maxLookups: 1000 });
  const first = describe("192.0.2.1");
  for (let i = 2; i <= 20; i++) void describe(`192.0.2.${i}`);
  r.release();
  assertOk((await first).reverse);
  const before = r.asked.length;
  // Forgotten: asked again. A recent one: from memory.
  void describe("192.0.2.1");
  void describe("192.0.2.20");
  assertEquals(r.asked.length, before + 1);
  r.release();
});
