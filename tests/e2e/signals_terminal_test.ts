/**
 * Ctrl+C, SIGTERM and SIGHUP in a real terminal (tmux), at each stage: rt ends within a moment
 * with its exit status, leaves the terminal as it found it (echo on, line mode), and a host whose
 * terminal is closed still closes its room for everyone. Before a room: 130 (Ctrl+C), 143
 * (SIGTERM), 129 (SIGHUP); in a room, leaving: 0.
 *
 * The 5 s given to each exit is the test's wait, not a measurement.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { MuteHost, SilentServer } from "./silent_peers.ts";
import { assertNoCrash, poll, screenLines, Terminal } from "./tmux.ts";
import { available } from "./programs.ts";

const EXIT_WAIT_MS = 5000;

/** `stty -F` reads the pane's terminal (Linux). */
const ignore = !available("tmux") || Deno.build.os !== "linux";

function terminalTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore, fn });
}

/** Whether the last line on the screen is `prompt` (the input empty). */
const promptShown = (prompt: string) => (screen: string) =>
  (screenLines(screen).at(-1) ?? "") === prompt.trimEnd();

/** rt's process id in the pane. */
async function rtPid(terminal: Terminal): Promise<number> {
  const pid = Number(await terminal.display("#{@rt_pid}"));
  assertOk(pid > 0, `no rt in ${terminal.label}'s pane`);
  return pid;
}

/** Sends `signal` to rt in the pane (as `kill` or `timeout` would). */
async function signal(terminal: Terminal, name: Deno.Signal): Promise<void> {
  Deno.kill(await rtPid(terminal), name);
}

/** The pane's terminal settings, from `stty -a`. */
async function ttyModes(terminal: Terminal): Promise<string> {
  const tty = await terminal.display("#{pane_tty}");
  const output = await new Deno.Command("stty", {
    args: ["-F", tty, "-a"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout);
}

/** rt left the terminal in its ordinary mode: typed keys echo, lines are edited by the system. */
async function assertTerminalRestored(terminal: Terminal): Promise<void> {
  const modes = (await ttyModes(terminal)).split(/\s+/);
  assertOk(
    modes.includes("echo") && modes.includes("icanon") && modes.includes("isig"),
    `${terminal.label}'s terminal left in raw or silent mode: ${modes.join(" ")}\n` +
      (await terminal.describe()),
  );
}

for (
  const [signalName, what, status] of [["SIGINT", "Ctrl+C", 130], [
    "SIGTERM",
    "SIGTERM",
    143,
  ]] as const
) {
  terminalTest(
    `${what} stops a joiner that a silent program on the port keeps waiting`,
    async () => {
      await using silent = new SilentServer();
      await using ann = await Terminal.open({
        label: "ann",
        args: ["127.0.0.1", String(silent.port), "--name", "ann"],
        env: { RT_PASSWORD: "pw" },
      });
      await ann.waitForText(`Connected to 127.0.0.1 port ${silent.port}.`);
      await silent.accepted();
      // The terminal is in line mode here, so Ctrl+C would make it send SIGINT to the foreground
      // programs: to rt, and to the pane's own shell, which would close the pane. So: to rt only.
      await signal(ann, signalName);
      assertEquals(await ann.waitForExit(EXIT_WAIT_MS), status, `ann's exit status after ${what}`);
      await assertTerminalRestored(ann);
      await assertNoCrash(ann);
    },
  );
}

terminalTest("SIGTERM and SIGHUP at the hidden password prompt restore the terminal", async () => {
  await using silent = new SilentServer();
  for (const [name, status] of [["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    await using ann = await Terminal.open({
      label: `ann-${name}`,
      args: ["127.0.0.1", String(silent.port)],
    });
    await ann.waitForScreen(promptShown("Password:"), { what: "the password prompt" });
    await ann.type("half a passw");
    await signal(ann, name);
    assertEquals(await ann.waitForExit(EXIT_WAIT_MS), status, `the exit status after ${name}`);
    await assertTerminalRestored(ann);
    await assertNoCrash(ann);
  }
});

terminalTest("a host at its password prompt stops on SIGTERM: 143, no room opened", async () => {
  await using hana = await Terminal.open({
    label: "hana",
    args: ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--name", "hana"],
  });
  await hana.waitForText("(or press Enter alone to get a generated one):", { join: true });
  await signal(hana, "SIGTERM");
  assertEquals(await hana.waitForExit(EXIT_WAIT_MS), 143, "hana's exit status");
  assertOk(!(await hana.screen({ history: true })).includes("Room is open"), "a room opened");
  await assertTerminalRestored(hana);
  await assertNoCrash(hana);
});

terminalTest("at the name prompt, SIGHUP ends rt (129) with the terminal restored", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  await using ann = await Terminal.open({
    label: "ann",
    args: ["127.0.0.1", String(port)],
    env: { RT_PASSWORD: "pw", USER: "ann" },
  });
  await ann.waitForScreen(promptShown("Your name [ann]:"), { what: "the name prompt" });
  await signal(ann, "SIGHUP");
  assertEquals(await ann.waitForExit(EXIT_WAIT_MS), 129, "ann's exit status after SIGHUP");
  await assertTerminalRestored(ann);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

terminalTest(
  "Ctrl+C while the host keeps a name unanswered (the editor holds the terminal): 130",
  async () => {
    await using mute = new MuteHost();
    await using ann = await Terminal.open({
      label: "ann",
      args: ["127.0.0.1", String(mute.port)],
      env: { RT_PASSWORD: "pw", USER: "ann" },
    });
    await ann.waitForScreen(promptShown("Your name [ann]:"), { what: "the name prompt" });
    await ann.press("Enter");
    await mute.joinReceived;
    await ann.press("C-c");
    assertEquals(await ann.waitForExit(EXIT_WAIT_MS), 130, "ann's exit status after Ctrl+C");
    await assertTerminalRestored(ann);
    await assertNoCrash(ann);
  },
);

terminalTest(
  "a joiner in the room leaves on SIGTERM and SIGHUP: exit 0, seen to quit",
  async () => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    for (const name of ["SIGTERM", "SIGHUP"] as const) {
      const who = name === "SIGTERM" ? "ann" : "bob";
      await using joiner = await Terminal.open({
        label: who,
        args: ["127.0.0.1", String(port), "--name", who],
        env: { RT_PASSWORD: "pw" },
      });
      await joiner.waitForScreen(promptShown(`${who}>`), { what: `${who}'s prompt` });
      await signal(joiner, name);
      assertEquals(await joiner.waitForExit(EXIT_WAIT_MS), 0, `${who}'s exit status after ${name}`);
      assertEquals((await host.next("left", (e) => e.name === who)).reason, "quit");
      await assertTerminalRestored(joiner);
      await assertNoCrash(joiner);
    }
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0, host.describe());
  },
);

terminalTest("closing a host's terminal closes its room for everyone", async () => {
  await using e2e = new E2e();
  await using hana = await Terminal.open({
    label: "hana",
    args: ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--name", "hana"],
    env: { RT_PASSWORD: "pw" },
  });
  const screen = await hana.waitForScreen((s) => /Room is open on port \d+/.test(s), {
    join: true,
    what: "the room's port",
  });
  const port = Number(/Room is open on port (\d+)/.exec(screen)![1]);
  await hana.waitForScreen(promptShown("hana>"), { what: "the host's prompt" });
  const ann = await e2e.join(port, "ann");
  const pid = await rtPid(hana);
  // The window goes, as when a terminal is closed: rt loses its terminal (SIGHUP).
  await hana.tmux("kill-pane", "-t", "=0:");
  assertEquals((await ann.next("closed")).reason, "the host closed the room", ann.describe());
  assertEquals((await ann.exit()).code, 0, ann.describe());
  await poll(
    () => Deno.stat(`/proc/${pid}`).then(() => true, () => false),
    (running) => !running,
    () => `rt (${pid}) still runs after its terminal closed`,
    EXIT_WAIT_MS,
  );
});
