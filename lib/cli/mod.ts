/**
 * rt's command line: {@link parseCommandLine} reads the arguments into a plan (a pure
 * function), and each plan has its runner, which reads what it needs from this computer.
 *
 * @module
 */
export { type CliContext, parseCommandLine } from "./parse.ts";
export * from "./plan.ts";
export { openChat, sayFailure } from "./chat_ui.ts";
export { runFind } from "./run_find.ts";
export { runHost } from "./run_host.ts";
export { runId } from "./run_id.ts";
export { runIpdb } from "./run_ipdb.ts";
export { runJoin } from "./run_join.ts";
export { runPeers } from "./run_peers.ts";
