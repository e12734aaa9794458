import { assertEquals } from "../assert.ts";
import { completeWord } from "../../lib/tui/name_completion.ts";
import { parseLine } from "../../lib/app/commands.ts";
import { parseSend } from "../../lib/files/send_arguments.ts";

const COMMANDS = ["/who", "/whois", "/help", "/msg", "/send"];
const NAMES = ["'quinn", "pi|pe", "@bob", "bob", "Bartholomew", "José", "山田"];

/** The line after readline puts the single completion in place of the word. */
function completed(line: string): string {
  const { hits, word } = completeWord(line, NAMES, COMMANDS);
  if (hits.length !== 1) throw new Error(`${line}: ${JSON.stringify(hits)}`);
  return line.slice(0, line.length - word.length) + hits[0];
}

Deno.test("commands complete at the start of a line", () => {
  assertEquals(completeWord("/hel", NAMES, COMMANDS).hits, ["/help "]);
  assertEquals(completeWord("/wh", NAMES, COMMANDS).hits, ["/who", "/whois"]);
  assertEquals(completeWord("/WH", NAMES, COMMANDS).hits, ["/who", "/whois"]);
});

Deno.test("names complete as they are, whatever characters they hold", () => {
  assertEquals(completed("/msg 'q"), "/msg 'quinn ");
  assertEquals(completed("/whois pi|"), "/whois pi|pe ");
  assertEquals(completed("/verify pi"), "/verify pi|pe ");
  assertEquals(completed("/send 'qu"), "/send 'quinn ");
  assertEquals(completed("/dm 山"), "/dm 山田 ");
  assertEquals(completed("/kick jos"), "/kick José ");
  assertEquals(completed("/trust JOSE\u0301"), "/trust José ");
  // At the start of a line, addressing someone; elsewhere a space.
  assertEquals(completed("bart"), "Bartholomew: ");
  assertEquals(completed("'q"), "'quinn: ");
  assertEquals(completed("thanks pi|"), "thanks pi|pe ");
  // What the commands then read back is the very name.
  assertEquals(parseLine(completed("/msg 'q") + "hi").action, {
    kind: "msg",
    to: "'quinn",
    text: "hi",
  });
  assertEquals(parseLine(completed("/whois pi|")).action, { kind: "whois", name: "pi|pe" });
  assertEquals(parseSend(completed("/send 'qu").slice("/send ".length) + "a.txt", undefined), {
    to: "'quinn",
    paths: ["a.txt"],
  });
});

Deno.test("@ mentions a name in a message; a command's argument is the name alone", () => {
  assertEquals(completed("hi @bart"), "hi @Bartholomew ");
  // A name that itself starts with @: both it and bob, mentioned, fit "@b".
  assertEquals(completeWord("hi @b", NAMES, COMMANDS).hits.sort(), ["@Bartholomew", "@bob"]);
  assertEquals(completed("hi @@b"), "hi @@bob ");
  assertEquals(completed("/msg @bar"), "/msg Bartholomew ");
  assertEquals(completed("/msg @@"), "/msg @bob ");
});

Deno.test("all completes where it means everyone", () => {
  assertEquals(completeWord("/dm al", NAMES, COMMANDS).hits, ["all "]);
  assertEquals(completeWord("/send AL", NAMES, COMMANDS).hits, ["all "]);
  assertEquals(completeWord("/whois al", NAMES, COMMANDS).hits, []);
  assertEquals(completeWord("hi al", NAMES, COMMANDS).hits, []);
});
