import { assertEquals, assertOk } from "../assert.ts";
import { safeRelativePath, safeSegment, unusedName } from "../../lib/files/safe_name.ts";

const HOSTILE: [string, string[] | null][] = [
  ["../../x", ["x"]],
  ["..\\..\\windows\\system32\\drivers", ["windows", "system32", "drivers"]],
  ["/etc/passwd", ["etc", "passwd"]],
  ["C:\\Users\\me\\evil.exe", ["Users", "me", "evil.exe"]],
  ["CON", ["_CON"]],
  ["con.txt", ["_con.txt"]],
  ["LPT1.log", ["_LPT1.log"]],
  ["nul", ["_nul"]],
  ["photo.jpg", ["photo.jpg"]],
  ["holiday/day 1/photo.jpg", ["holiday", "day 1", "photo.jpg"]],
  ["\x1b]0;pwned\x07.txt", ["_]0;pwned_.txt"]],
  ["invoice\u202Egpj.exe", ["invoice_gpj.exe"]],
  ["trailing dots...", ["trailing dots"]],
  ['a:b?c*d<e>f|g"h', ["a_b_c_d_e_f_g_h"]],
  ["..", null],
  ["", null],
  ["/", null],
  ["./././", null],
  ["...", null],
];

Deno.test("hostile file names land safely under the downloads folder", () => {
  for (const [name, expected] of HOSTILE) {
    const got = safeRelativePath(name);
    assertEquals(got, expected, JSON.stringify(name));
    for (const segment of got ?? []) {
      assertOk(segment !== ".." && segment !== "." && !segment.includes("/"), segment);
      // deno-lint-ignore no-control-regex
      assertOk(!/[\u0000-\u001f]/.test(segment), JSON.stringify(segment));
    }
  }
});

Deno.test("long names are cut to fit, keeping the extension; deep trees are refused", () => {
  const long = safeSegment("é".repeat(300) + ".tar.gz")!;
  assertOk(new TextEncoder().encode(long).length <= 200, String(long.length));
  assertOk(long.endsWith(".gz"));
  assertEquals(safeRelativePath(Array(40).fill("d").join("/")), null);
});

Deno.test("a received file never replaces one already there", async () => {
  const taken = new Set(["a.txt", "a (1).txt", "README"]);
  const exists = (name: string) => Promise.resolve(taken.has(name));
  assertEquals(await unusedName("a.txt", exists), "a (2).txt");
  assertEquals(await unusedName("README", exists), "README (1)");
  assertEquals(await unusedName("new.bin", exists), "new.bin");
});
