/**
 * `rt id`: prints the user's identity fingerprint, making the key on first use.
 *
 * @module
 */
import { join } from "node:path";
import { identityReport } from "../app/mod.ts";
import { IDENTITY_FILE } from "../store/mod.ts";
import { rtFolder } from "./folders.ts";
import type { IdPlan } from "./plan.ts";
import { identityAndPeers } from "./room_options.ts";

/** Runs `rt id`; returns the exit status. */
export async function runId(plan: IdPlan): Promise<number> {
  const dir = await rtFolder();
  const { identity, created } = await identityAndPeers(dir);
  console.log(identityReport(identity, join(dir, IDENTITY_FILE), created, plan.json));
  return 0;
}
