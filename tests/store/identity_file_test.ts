import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { IDENTITY_FILE, loadOrCreateIdentity } from "../../lib/store/identity_file.ts";
import { RtError } from "../../lib/errors.ts";
import { join } from "node:path";

Deno.test("the identity is created once, owner-only, and loaded the same afterwards", async () => {
  const dir = join(await Deno.makeTempDir({ prefix: "rt-id-" }), "nested", "rt");
  try {
    const first = await loadOrCreateIdentity(dir);
    assertOk(first.created);
    const again = await loadOrCreateIdentity(dir);
    assertOk(!again.created);
    assertEquals(again.identity.publicKey, first.identity.publicKey);
    if (Deno.build.os !== "windows") {
      assertEquals((await Deno.stat(join(dir, IDENTITY_FILE))).mode! & 0o777, 0o600);
      assertEquals((await Deno.stat(dir)).mode! & 0o077, 0);
    }
  } finally {
    await Deno.remove(join(dir, "..", ".."), { recursive: true });
  }
});

Deno.test("a damaged identity file is a clear error and is never replaced", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-id-" });
  try {
    const path = join(dir, IDENTITY_FILE);
    const { identity } = await loadOrCreateIdentity(dir);
    const good = JSON.parse(await Deno.readTextFile(path));
    const damaged = [
      "not json",
      JSON.stringify({ ...good, format: "other" }),
      JSON.stringify({ ...good, seed: "zz" }),
      JSON.stringify({ ...good, publicKey: "00".repeat(32) }),
      "",
    ];
    for (const text of damaged) {
      await Deno.writeTextFile(path, text);
      await assertRejects(
        () => loadOrCreateIdentity(dir),
        (e) => e instanceof RtError && e.code === "identity" && e.message.includes(path),
      );
      assertEquals(await Deno.readTextFile(path), text, "the damaged file is left as it was");
    }
    await Deno.writeTextFile(path, JSON.stringify(good));
    assertEquals((await loadOrCreateIdentity(dir)).identity.publicKey, identity.publicKey);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
