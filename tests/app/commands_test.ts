import { assertEquals, assertOk } from "../assert.ts";
import { COMMANDS, commandWords, findCommand, parseLine } from "../../lib/app/commands.ts";

Deno.test("lines become actions", () => {
  const table: [string, unknown][] = [
    ["hello", { kind: "say", text: "hello" }],
    ["  ", { kind: "nothing" }],
    ["//etc/passwd is a path", { kind: "say", text: "/etc/passwd is a path" }],
    ["/who", { kind: "who" }],
    ["/WHO", { kind: "who" }],
    ["/quit", { kind: "quit" }],
    ["/exit", { kind: "quit" }],
    ["/me waves  at you", { kind: "say", text: "waves  at you", me: true }],
    ["/help", { kind: "help" }],
    ["/help quit", { kind: "help", topic: "quit" }],
    ["/timestamps off", { kind: "setting", setting: "timestamps", on: false }],
    ["/bell ON", { kind: "setting", setting: "bell", on: true }],
  ];
  for (const [line, action] of table) assertEquals(parseLine(line).action, action, line);
});

Deno.test("mistakes get a usage line, never a sent message", () => {
  for (const line of ["/me", "/bell maybe", "/timestamps", "/nope", "/whoo"]) {
    const { action } = parseLine(line);
    assertEquals(action.kind, "invalid", line);
    assertOk(action.kind === "invalid" && action.message.length > 0);
  }
});

Deno.test("the seeds' commands map to rt's, with a hint", () => {
  for (const [line, kind] of [[":Exit", "quit"], ["!exit", "quit"], [":Aliases", "who"]]) {
    const parsed = parseLine(line!);
    assertEquals(parsed.action.kind, kind, line);
    assertOk(parsed.hint?.includes(line!), line);
  }
});

Deno.test("every command has help and can be found by name or alias", () => {
  for (const c of COMMANDS) {
    assertOk(c.summary.length > 0 && c.details.length > 0 && c.usage.startsWith(c.name));
    assertEquals(findCommand(c.name.slice(1)), c);
    for (const a of c.aliases) assertEquals(findCommand(a), c);
  }
  assertOk(commandWords().includes("/who") && commandWords().includes("/exit"));
});
