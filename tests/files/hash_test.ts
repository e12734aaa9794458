import { assertEquals, assertRejects } from "../assert.ts";
import { FileHasher, hashFile } from "../../lib/files/hash.ts";
import { toHex } from "../../lib/util/mod.ts";
import { randomBytes, tempDir } from "./support.ts";

const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const MIB = 1024 * 1024;

async function subtle(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

Deno.test("FileHasher gives the known SHA-256 digests, whole or in pieces", () => {
  assertEquals(toHex(new FileHasher().digest()), EMPTY);
  const whole = new FileHasher();
  whole.update(new TextEncoder().encode("abc"));
  const digest = whole.digest();
  assertEquals(digest.length, 32);
  assertEquals(Object.getPrototypeOf(digest), Uint8Array.prototype);
  assertEquals(toHex(digest), ABC);
  const pieces = new FileHasher();
  for (const piece of ["a", "", "bc"]) pieces.update(new TextEncoder().encode(piece));
  assertEquals(toHex(pieces.digest()), ABC);
});

Deno.test("hashFile hashes whole files and their prefixes", async () => {
  const dir = await tempDir("rt-hash-");
  try {
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    await Deno.writeTextFile(`${dir}/abc`, "abc");
    assertEquals(toHex(await hashFile(`${dir}/empty`)), EMPTY);
    assertEquals(toHex(await hashFile(`${dir}/abc`)), ABC);
    assertEquals(toHex(await hashFile(`${dir}/abc`, 0)), EMPTY);

    const big = randomBytes(3 * MIB + 17);
    await Deno.writeFile(`${dir}/big`, big);
    assertEquals(await hashFile(`${dir}/big`), await subtle(big));
    for (const length of [1, MIB - 1, MIB, MIB + 1, 2 * MIB + 5, big.length]) {
      assertEquals(await hashFile(`${dir}/big`, length), await subtle(big.subarray(0, length)));
    }
    // Asking for more than there is hashes what there is.
    assertEquals(await hashFile(`${dir}/big`, big.length + MIB), await subtle(big));
    await assertRejects(() => hashFile(`${dir}/missing`), (e) => e instanceof Deno.errors.NotFound);
    await assertRejects(() => hashFile(`${dir}/abc`, -1), (e) => e instanceof RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("toHex is lowercase, two digits a byte", () => {
  assertEquals(toHex(new Uint8Array([0, 1, 0xab, 0xff])), "0001abff");
  assertEquals(toHex(new Uint8Array()), "");
});
