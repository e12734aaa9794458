/**
 * `rt peers`: lists the people rt has met; `rt peers forget WHO` forgets one.
 *
 * @module
 */
import { forgetReport, peersReport } from "../app/mod.ts";
import type { RtError } from "../errors.ts";
import { rtFolder } from "./folders.ts";
import type { PeersPlan } from "./plan.ts";
import { identityAndPeers } from "./room_options.ts";

/** Runs `rt peers`; returns the exit status (1 when there was nobody to forget). */
export async function runPeers(plan: PeersPlan): Promise<number> {
  let failed: RtError | null = null;
  const { peers } = await identityAndPeers(await rtFolder(), (error) => failed ??= error);
  if (plan.forget !== undefined) {
    const { text, found } = forgetReport(peers, plan.forget, plan.json);
    await peers.flush();
    if (failed) throw failed;
    console.log(text);
    return found ? 0 : 1;
  }
  console.log(peersReport(peers, plan.json));
  return 0;
}
