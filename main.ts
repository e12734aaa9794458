/**
 * rt (Real Talk): a private group chat in the terminal with no server in the middle.
 *
 * `rt` hosts a room; `rt ADDRESS PORT` joins one. This file is the only one that reads the
 * command line, hands the plan to its runner, and exits with its status.
 *
 * @module
 */
import process from "node:process";
import { runExitTasks } from "./lib/app/mod.ts";
import type { Stop } from "./lib/app/mod.ts";
import {
  openChat,
  parseCommandLine,
  runFind,
  runHost,
  runId,
  runIpdb,
  runJoin,
  runPeers,
  sayFailure,
  type UsageError,
} from "./lib/cli/mod.ts";
import { RtError } from "./lib/errors.ts";
import type { ChatEvent } from "./lib/events.ts";
import type { ChatUi } from "./lib/tui/mod.ts";

/** The exit status main() returned, once it has (rt is then running its exit tasks). */
let finished: number | null = null;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    standalone: Deno.build.standalone,
    helpWidth: Deno.stdout.isTerminal() ? Deno.consoleSize().columns : undefined,
  });
  if (parsed.kind === "print") {
    process.stdout.write(parsed.text);
    return parsed.status;
  }
  if (parsed.kind === "usage") return sayUsage(parsed);
  const plan = parsed.plan;
  switch (plan.kind) {
    case "id":
      return await alone(() => runId(plan));
    case "peers":
      return await alone(() => runPeers(plan));
    case "ipdb":
      return await alone(() => runIpdb(plan));
    case "find":
      return await inRoom(plan.json, (ui, stop) => runFind(ui, plan, stop));
    case "host":
      return await inRoom(plan.json, (ui, stop) => runHost(ui, plan, stop));
    case "join":
      return await inRoom(plan.json, (ui, stop) => runJoin(ui, plan, stop));
  }
}

/** A mistake on the command line: one line on stderr, or an error event with `--json`. */
function sayUsage(error: UsageError): number {
  if (error.json) {
    const event: ChatEvent = { type: "error", code: "usage", message: error.message };
    console.log(JSON.stringify(event));
  } else console.error(`rt: ${error.message}`);
  return error.status;
}

/** A subcommand (`rt id`, `rt peers`, `rt ipdb`): what went wrong is said on stderr. */
async function alone(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    return failed(error, (known) => console.error(`rt: ${known.message}`));
  }
}

/** A room, hosted, joined or found: its interface, and the signals that stop it. */
async function inRoom(
  json: boolean,
  run: (ui: ChatUi, stop: Stop) => Promise<number>,
): Promise<number> {
  const { ui, stop } = openChat(json, () => finished);
  try {
    return await run(ui, stop);
  } catch (error) {
    return failed(error, (known) => sayFailure(ui, json, known));
  } finally {
    ui.close();
  }
}

/**
 * The exit status of a failure rt expects (an `RtError`, said by `say`): 2 for a usage
 * mistake, else 1. Anything else is a bug in rt, thrown on.
 */
function failed(error: unknown, say: (known: RtError) => void): number {
  if (!(error instanceof RtError)) throw error;
  say(error);
  return error.code === "usage" ? 2 : 1;
}

if (import.meta.main) {
  // A crash in rt's own code still removes what rt opened on the router, then exits 1.
  // Once only: a crash while crashing (saying so fails when the terminal is gone, which is an
  // error of its own) must not start over, forever, at full speed.
  let crashing = false;
  const crash = async (event: Event) => {
    event.preventDefault();
    if (crashing) return;
    crashing = true;
    const error = (event as ErrorEvent).error ?? (event as PromiseRejectionEvent).reason;
    try {
      console.error("rt: internal error:", error);
    } catch {
      // Nowhere left to say it.
    }
    try {
      await runExitTasks();
    } finally {
      Deno.exit(1);
    }
  };
  globalThis.addEventListener("error", crash);
  globalThis.addEventListener("unhandledrejection", crash);
  const status = await main(Deno.args);
  finished = status;
  await runExitTasks();
  Deno.exit(status);
}
