import { assertEquals, assertOk } from "../assert.ts";
import { sanitize, sanitizeKeepingStyles } from "../../lib/tui/sanitize.ts";
import { stripStyles } from "../../lib/tui/width.ts";

const HOSTILE: [string, string][] = [
  ["colour", "\x1b[31mred"],
  ["cursor move", "\x1b[2J\x1b[H"],
  ["title change", "\x1b]0;pwned\x07"],
  ["OSC 8 link", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"],
  ["OSC 52 clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07"],
  ["C1 CSI", "\u009b31m"],
  ["bell", "ding\x07"],
  ["carriage return overwrite", "safe\rEVIL"],
  ["backspace", "abc\b\b\bxyz"],
  ["bidi override", "user\u202Egnp.exe"],
  ["bidi isolate", "\u2066evil\u2069"],
  ["delete", "a\x7fb"],
];

Deno.test("hostile text is shown inert", () => {
  for (const [what, input] of HOSTILE) {
    const out = sanitize(input);
    // deno-lint-ignore no-control-regex
    assertOk(!/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(out), what);
    assertOk(out.length >= input.length, `${what}: nothing is silently dropped`);
  }
  assertEquals(sanitize("\x1b[31mred"), "\\x1b[31mred");
  assertEquals(sanitize("ok: 日本語 ✓ 👍"), "ok: 日本語 ✓ 👍");
});

Deno.test("sanitizeKeepingStyles keeps colours, makes everything else inert", () => {
  assertEquals(sanitizeKeepingStyles("\x1b[32m██\x1b[39m 52%"), "\x1b[32m██\x1b[39m 52%");
  assertEquals(
    sanitizeKeepingStyles("a\nb\r\x1b[2J\x1b]0;t\x07\x1b[1m!"),
    "a\\x0ab\\x0d\\x1b[2J\\x1b]0;t\\x07\x1b[1m!",
  );
  for (const [what, input] of HOSTILE) {
    const out = stripStyles(sanitizeKeepingStyles(input));
    // deno-lint-ignore no-control-regex
    assertOk(!/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(out), what);
  }
});
