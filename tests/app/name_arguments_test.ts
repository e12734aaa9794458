/**
 * Every name the rules allow works in every command that takes one, typed as it is: quotes,
 * backslashes, `|`, `@`, `#`, punctuation and any alphabet included. And a name the rules
 * refuse (spaces) is refused before it is ever a name.
 */
import fc from "fast-check";
import { assertEquals, assertOk } from "../assert.ts";
import { parseLine } from "../../lib/app/commands.ts";
import { parseSend } from "../../lib/files/send_arguments.ts";
import { checkName } from "../../lib/room/names.ts";

/** Names the rules allow that a shell-like reader would take apart. */
const AWKWARD = [
  "'quinn",
  "quinn'",
  "'q'",
  '"dq',
  'o"neil',
  "pi|pe",
  "|",
  "a\\b",
  "a\\\\b",
  'x\\"y',
  "\\",
  "@bob",
  "#3",
  "~",
  "~/x",
  "bob:",
  ":dm",
  "!exit",
  "--name",
  "-",
  "$HOME",
  "`id`",
  "José-María",
  "山田太郎",
  "🎉",
  "a*b?",
];

/** Each command that takes a name, with what its parse must give for `name`. */
function parsedNames(name: string): [string, unknown, unknown][] {
  const action = (line: string) => parseLine(line).action;
  return [
    [`/msg ${name} hi there`, action(`/msg ${name} hi there`), {
      kind: "msg",
      to: name,
      text: "hi there",
    }],
    [`/dm ${name}`, action(`/dm ${name}`), { kind: "dm", to: name }],
    [`/whois ${name}`, action(`/whois ${name}`), { kind: "whois", name }],
    [`/verify ${name}`, action(`/verify ${name}`), { kind: "verify", name }],
    [`/trust ${name}`, action(`/trust ${name}`), { kind: "trust", name }],
    [`/kick ${name}`, action(`/kick ${name}`), { kind: "host", command: "kick", argument: name }],
    [`/ban ${name}`, action(`/ban ${name}`), { kind: "host", command: "ban", argument: name }],
    [`/unblock ${name}`, action(`/unblock ${name}`), {
      kind: "host",
      command: "unblock",
      argument: name,
    }],
    [`/send ${name} a.txt "b c.txt"`, parseSend(`${name} a.txt "b c.txt"`, "/home/ann"), {
      to: name,
      paths: ["a.txt", "b c.txt"],
    }],
  ];
}

Deno.test("awkward names the rules allow work, as typed, in every command that takes a name", () => {
  for (const name of AWKWARD) {
    assertOk(!("refused" in checkName(name)), `${name} is allowed`);
    for (const [line, got, wanted] of parsedNames(name)) assertEquals(got, wanted, line);
  }
});

Deno.test("any name the rules allow works in every command that takes a name (fuzzed)", () => {
  const char = fc.oneof(
    fc.constantFrom(..."'\"\\|@#:~!$`*?-_.,;()[]{}<>=+&%^"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  );
  const name = fc.array(char, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(""))
    .filter((n) => {
      const checked = checkName(n);
      return !("refused" in checked) && checked.display === n;
    });
  fc.assert(
    fc.property(name, (n) => {
      for (const [line, got, wanted] of parsedNames(n)) assertEquals(got, wanted, line);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("a command's name is one word: more words are a usage error, not another name", () => {
  for (const line of ["/whois carol the great", "/kick carol the great", "/ban a b", "/dm a b"]) {
    const { action } = parseLine(line);
    assertOk(action.kind === "invalid" && action.message.startsWith("Usage:"), line);
  }
  // But a ban made by an older rt, of a name with spaces, can still be lifted.
  assertEquals(parseLine("/unblock carol the great").action, {
    kind: "host",
    command: "unblock",
    argument: "carol the great",
  });
});
