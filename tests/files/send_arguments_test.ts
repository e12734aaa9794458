import { assertEquals, assertThrows } from "../assert.ts";
import { parseSend, SEND_USAGE, splitPaths } from "../../lib/files/send_arguments.ts";
import { RtError } from "../../lib/errors.ts";

const HOME = "/home/ann";

const SPLITS: [string, string[], string?][] = [
  ["cat.jpg", ["cat.jpg"]],
  ["  a.txt \t b.txt  ", ["a.txt", "b.txt"]],
  ["", []],
  ["   ", []],
  ['"my photos/cat 1.jpg" notes.txt', ["my photos/cat 1.jpg", "notes.txt"]],
  ["'it''s here' 'a \"b\"'", ["its here", 'a "b"']],
  ["half' 'quoted", ["half quoted"]],
  ["my\\ file.txt", ["my file.txt"]],
  ["\\'quote\\\" \\\\x", ["'quote\"", "\\x"]],
  ['"a \\"b\\" \\\\ c"', ['a "b" \\ c']],
  ["'single \\' ", ["single \\"]],
  ["C:\\Users\\ann\\cat.jpg D:\\x", ["C:\\Users\\ann\\cat.jpg", "D:\\x"]],
  ['"C:\\Program Files\\x"', ["C:\\Program Files\\x"]],
  ["trailing\\", ["trailing\\"]],
  ["\"\" '' x", ["x"]],
  ["~", [HOME]],
  ["~/cat.jpg ~/Photos", [`${HOME}/cat.jpg`, `${HOME}/Photos`]],
  ["~\\cat.jpg", [`${HOME}\\cat.jpg`]],
  ["~bob/x a~/y '~/q' \"~\" \\~/r", ["~bob/x", "a~/y", "~/q", "~", "\\~/r"]],
  ["~/x", ["/x"], "/"],
  ["~/x", ["/home/ann/x"], "/home/ann/"],
  ["~/x", ["~/x"], ""],
  ["caf\u00e9 👋.txt", ["caf\u00e9", "👋.txt"]],
];

Deno.test("what follows /send NAME splits into paths like a shell would", () => {
  for (const [text, expected, home] of SPLITS) {
    assertEquals(splitPaths(text, home ?? HOME), expected, `${JSON.stringify(text)} home=${home}`);
  }
  assertEquals(splitPaths("~/x ~", undefined), ["~/x", "~"]);
});

Deno.test("an unclosed quote is a usage error", () => {
  for (const text of ['"my photos', "it's", 'a "b\\"']) {
    assertThrows(() => splitPaths(text, HOME), (e) => e instanceof RtError && e.code === "usage");
  }
});

const SENDS: [string, ReturnType<typeof parseSend>][] = [
  ["bob cat.jpg", { to: "bob", paths: ["cat.jpg"] }],
  ["  bob   a b  ", { to: "bob", paths: ["a", "b"] }],
  ["all ~/x", { to: "all", paths: [`${HOME}/x`] }],
  ["ALL x", { to: "all", paths: ["x"] }],
  // The name is the first word as typed: names have no spaces, and may hold quotes.
  ['\'ann "my file.txt"', { to: "'ann", paths: ["my file.txt"] }],
  ['a\\b "x"', { to: "a\\b", paths: ["x"] }],
  ["~ x", { to: "~", paths: ["x"] }],
  ["", { error: `${SEND_USAGE} (who to send to, then the files or folders to send)` }],
  ['"" x', { to: '""', paths: ["x"] }],
  ["bob", { error: `${SEND_USAGE} (name at least one file or folder to send to bob)` }],
  ['bob ""', { error: `${SEND_USAGE} (name at least one file or folder to send to bob)` }],
  ['bob "x', { error: `A double quote is not closed. ${SEND_USAGE}` }],
  ["bob 'x", { error: `A single quote is not closed. ${SEND_USAGE}` }],
];

Deno.test("/send takes a name or all, then paths, or says how to type it", () => {
  for (const [argument, expected] of SENDS) {
    assertEquals(parseSend(argument, HOME), expected, JSON.stringify(argument));
  }
});
