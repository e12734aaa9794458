import { assertEquals, assertOk } from "../assert.ts";
import {
  type CommandContext,
  COMMANDS,
  commandWords,
  findCommand,
  parseLine,
  runLine,
} from "../../lib/app/commands.ts";
import { Room } from "../../lib/room/mod.ts";
import { completeWord } from "../../lib/tui/name_completion.ts";
import { join, leaveAll, type Member } from "../client/room_support.ts";

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

Deno.test("Tab completes a name after every command the table says takes one", () => {
  const words = commandWords();
  for (const c of COMMANDS) {
    for (const spelling of [c.name, ...c.aliases]) {
      // As an argument a name goes alone; in a message, "@" makes it a mention.
      const at = completeWord(`${spelling} @ali`, ["alice"], words).hits;
      assertEquals(at, [c.argument ? "alice " : "@alice "], spelling);
      const hits = completeWord(`${spelling} al`, ["alice"], words).hits.sort();
      assertEquals(hits, c.argument === "name or all" ? ["alice", "all"] : ["alice "], spelling);
    }
  }
});

Deno.test("each line is carried out by the table's entry for it", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const settings: string[] = [];
  const context = (member: Member): CommandContext => ({
    client: member.client,
    show: (event) => member.shown.push(event),
    configure: (setting, on) => settings.push(`${setting} ${on}`),
    commands: COMMANDS,
  });
  const run = (member: Member, line: string) => runLine(line, context(member));

  assertEquals(run(bob, "/timestamps OFF"), undefined);
  assertEquals(await bob.shown.next("setting"), {
    type: "setting",
    setting: "timestamps",
    on: false,
  });
  assertEquals(settings, ["timestamps false"]);
  run(bob, "/help");
  const help = await bob.shown.next("help");
  assertEquals(help.commands.map((c) => c.command), COMMANDS.map((c) => c.usage));
  run(bob, "/help decline");
  assertEquals((await bob.shown.next("help")).commands[0]!.command, "/reject [ID] (also /decline)");
  run(bob, "/kick ann");
  assertEquals((await bob.shown.next("error")).code, "host-only");
  run(bob, "/whoo");
  assertEquals((await bob.shown.next("error")).code, "invalid-command");
  run(bob, "/me waves");
  const action = await ann.shown.next("message");
  assertEquals([action.from, action.text, action.action], ["bob", "waves", true]);
  run(bob, "//etc is a path");
  assertEquals((await ann.shown.next("message")).text, "/etc is a path");
  assertEquals(run(bob, ":exit"), "quit");
  assertEquals((await bob.shown.next("notice")).code, "hint");
  await leaveAll(room, ann, bob);
});
