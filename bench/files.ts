/**
 * `deno task bench:files [MIB] [RUNS]`: only the file-transfer part of the benchmark (see
 * `transfer.ts`), for quick turns while tuning throughput; MIB and RUNS change the size of the
 * test file (default 1024 MiB) and the runs of each case (default 5). Prints its part of the
 * report to stdout and writes the figures as JSON to `bench/results/files-<date>.json`.
 * Progress goes to stderr.
 *
 * @module
 */
import { TRANSFER_BYTES, TRANSFER_REPEATS } from "./config.ts";
import { describeMachine } from "./machine.ts";
import { transferLines } from "./report.ts";
import { benchTransfers, type TransferResult } from "./transfer.ts";

/** Killed after this long, whatever happens. */
const WATCHDOG_MS = 6 * 60_000;

const progress = (text: string) =>
  console.error(`[${(performance.now() / 1000).toFixed(0)} s] ${text}`);

const watchdog = setTimeout(() => {
  console.error(`The file-transfer benchmark took over ${WATCHDOG_MS / 60_000} min; giving up.`);
  Deno.exit(2);
}, WATCHDOG_MS);

const [mib = TRANSFER_BYTES / 2 ** 20, repeats = TRANSFER_REPEATS] = Deno.args.map(Number);
if (!(mib > 0 && mib <= 64 * 1024) || !(Number.isInteger(repeats) && repeats >= 1)) {
  console.error(
    `usage: deno task bench:files [MIB (default ${
      TRANSFER_BYTES / 2 ** 20
    })] [RUNS (default ${TRANSFER_REPEATS})]`,
  );
  Deno.exit(2);
}

const date = new Date().toISOString();
const machine = describeMachine();
let transfers: TransferResult;
try {
  transfers = await benchTransfers(progress, { bytes: Math.round(mib * 2 ** 20), repeats });
} catch (error) {
  console.error(
    `The file-transfer benchmark failed: ${error instanceof Error ? error.message : error}`,
  );
  Deno.exit(1);
}

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
