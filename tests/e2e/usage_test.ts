/** The command line, end to end: usage errors exit 2 with one line; help and version exit 0. */
import denoJson from "../../deno.json" with { type: "json" };
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";

/** Runs `rt` to its end with no input; returns its exit code and output. */
async function run(e2e: E2e, args: string[], json = false) {
  const p = e2e.spawn(`rt ${args.join(" ")}`, args, { json });
  await p.closeStdin();
  const exit = await p.exit();
  return {
    code: exit.code,
    stdout: p.stdout,
    stderr: p.stderr,
    events: p.events,
    describe: () => p.describe(),
  };
}

/** Exactly one non-empty line. */
function oneLine(text: string): boolean {
  return /^[^\n]+\n?$/.test(text);
}

Deno.test("usage errors exit 2 with a one-line reason on stderr", async (t) => {
  await using e2e = new E2e();
  const cases: { args: string[]; says: RegExp }[] = [
    { args: ["1.2.3.4", "notaport"], says: /^rt: "notaport" is not a port number/ },
    { args: ["1.2.3.4", "0"], says: /not a port number/ },
    { args: ["1.2.3.4"], says: /Missing the port/ },
    { args: ["--bogus"], says: /unknown option '--bogus'/ },
    { args: ["--port", "70000"], says: /port must be a whole number/ },
    { args: ["--handshake-timeout", "0"], says: /handshake timeout must be a whole number/ },
    { args: ["1.2.3.4", "80", "extra"], says: /too many arguments/ },
    // Refused by rt's own subcommand actions: the reason must not be lost.
    { args: ["ipdb", "bogus"], says: /^rt: use "rt ipdb" or "rt ipdb update"/ },
    { args: ["peers", "bogus"], says: /^rt: use "rt peers" or "rt peers forget NAME"/ },
    // A name nobody in a room could have would never match.
    { args: ["--auto-accept-from", "carol the great"], says: /cannot contain spaces/ },
  ];
  for (const { args, says } of cases) {
    await t.step(`rt ${args.join(" ")}`, async () => {
      const { code, stderr, stdout, describe } = await run(e2e, args);
      assertEquals(code, 2, describe());
      assertOk(oneLine(stderr), `not one line on stderr:\n${describe()}`);
      assertOk(says.test(stderr), `stderr does not match ${says}:\n${describe()}`);
      assertEquals(stdout, "", "nothing on stdout");
    });
  }
});

Deno.test("with --json a usage error is an error event on stdout, exit 2", async () => {
  await using e2e = new E2e();
  const { code, stderr, events, describe } = await run(e2e, ["1.2.3.4", "notaport"], true);
  assertEquals(code, 2, describe());
  assertEquals(events.length, 1, describe());
  const event = events[0]!;
  assertOk(event.type === "error" && event.code === "usage", describe());
  assertOk(event.message.includes("notaport"), describe());
  assertEquals(stderr, "");
});

Deno.test("--help and --version exit 0", async () => {
  await using e2e = new E2e();
  for (const flag of ["--help", "-h"]) {
    const { code, stdout, describe } = await run(e2e, [flag]);
    assertEquals(code, 0, describe());
    assertOk(stdout.startsWith("Usage: rt"), describe());
    for (const option of ["--port", "--bind", "--name", "--json", "--handshake-timeout"]) {
      assertOk(stdout.includes(option), `help does not mention ${option}\n${stdout}`);
    }
  }
  for (const flag of ["--version", "-V"]) {
    const { code, stdout, stderr, describe } = await run(e2e, [flag]);
    assertEquals(code, 0, describe());
    assertEquals(stdout, `${denoJson.version}\n`);
    assertEquals(stderr, "");
  }
});
