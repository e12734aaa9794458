/**
 * `deno task bench:files`: only the file-transfer part of the benchmark (see `transfer.ts`), for
 * quick turns while tuning throughput. Prints its part of the report to stdout and writes the
 * figures as JSON to `bench/results/files-<date>.json`. Progress goes to stderr.
 *
 * @module
 */
import { describeMachine } from "./machine.ts";
import { transferLines } from "./report.ts";
import { benchTransfers } from "./transfer.ts";

/** Killed after this long, whatever happens. */
const WATCHDOG_MS = 6 * 60_000;

const progress = (text: string) =>
  console.error(`[${(performance.now() / 1000).toFixed(0)} s] ${text}`);

const watchdog = setTimeout(() => {
  console.error(`The file-transfer benchmark took over ${WATCHDOG_MS / 60_000} min; giving up.`);
  Deno.exit(2);
}, WATCHDOG_MS);

const date = new Date().toISOString();
const machine = describeMachine();
const transfers = await benchTransfers(progress);

const dir = new URL("./results/", import.meta.url);
const file = new URL(`files-${date.replaceAll(":", "-").replace(/\..*$/, "")}.json`, dir);
console.log(`rt file-transfer benchmark, ${date} (${transfers.elapsedS.toFixed(0)} s)`);
console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Deno ${machine.deno}`);
console.log("");
console.log(transferLines(transfers).join("\n"));
Deno.mkdirSync(dir, { recursive: true });
Deno.writeTextFileSync(file, JSON.stringify({ date, machine, transfers }, null, 2) + "\n");
console.log(`\nJSON: ${file.pathname}`);
clearTimeout(watchdog);
