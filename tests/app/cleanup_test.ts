/** Work that must happen however rt ends: registered, unregistered, run once, bounded. */
import { assertEquals, assertOk } from "../assert.ts";
import { onExit, runExitTasks } from "../../lib/app/cleanup.ts";

Deno.test("registered tasks run once each, at once, and are forgotten; unregistered ones not", async () => {
  const ran: string[] = [];
  const started: string[] = [];
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const task = (name: string) => async () => {
    started.push(name);
    await gate;
    ran.push(name);
  };
  onExit(task("router mapping"));
  const forget = onExit(task("forgotten"));
  onExit(task("onion service"));
  assertOk(forget());
  const running = runExitTasks(60_000);
  // Both started before either finished: they run side by side, not one after the other.
  assertEquals(started, ["router mapping", "onion service"]);
  release();
  await running;
  assertEquals(ran.sort(), ["onion service", "router mapping"]);
  await runExitTasks(60_000);
  assertEquals(ran.length, 2, "nothing runs twice");
});

Deno.test("a failing task does not stop the others, nor the wait for them", async () => {
  const ran: string[] = [];
  let fail: (error: Error) => void = () => {};
  const failing = new Promise<void>((_, reject) => fail = reject);
  onExit(() => failing);
  onExit(async () => {
    // Still at work when the other fails.
    await failing.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    ran.push("still ran");
  });
  const running = runExitTasks(60_000);
  fail(new Error("the router is gone"));
  await running;
  assertEquals(ran, ["still ran"]);
});

Deno.test("a task that never ends does not keep rt from exiting", async () => {
  let finished = false;
  onExit(() => new Promise<void>(() => {}));
  onExit(() => {
    finished = true;
    return Promise.resolve();
  });
  await runExitTasks(50);
  assertOk(finished);
});
