/**
 * Work that must happen however rt ends (a router mapping to remove): registered while it
 * matters, run on a normal exit and on a crash alike.
 *
 * @module
 */
import { waitAtMost } from "../util/mod.ts";

const tasks = new Set<() => Promise<void>>();

/** Registers `task`; returns a function that unregisters it. */
export function onExit(task: () => Promise<void>): () => void {
  tasks.add(task);
  return () => tasks.delete(task);
}

/** Runs every registered task once (each bounded by `timeoutMs`), then forgets them. */
export async function runExitTasks(timeoutMs = 3000): Promise<void> {
  const pending = [...tasks];
  tasks.clear();
  await waitAtMost(Promise.allSettled(pending.map((task) => task())), timeoutMs);
}
