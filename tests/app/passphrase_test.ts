import { assertEquals, assertOk } from "../assert.ts";
import { generatePassphrase, PASSPHRASE_BITS } from "../../lib/app/passphrase.ts";

Deno.test("generated passphrases carry at least 60 bits and are easy to read", () => {
  assertOk(PASSPHRASE_BITS >= 60, `${PASSPHRASE_BITS} bits`);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = generatePassphrase();
    assertOk(/^[a-z]+(-[a-z]+){5}$/.test(p), p);
    seen.add(p);
  }
  assertEquals(seen.size, 200);
});
