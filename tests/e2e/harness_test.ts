/** The harness itself: failures say what was seen, and everything is cleaned up. */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { E2e, RUN_FLAGS } from "./harness.ts";

Deno.test("the harness runs rt with the start task's permission flags", () => {
  assertOk(
    RUN_FLAGS.length > 0 && RUN_FLAGS.every((f) => f.startsWith("--allow-")),
    RUN_FLAGS.join(" "),
  );
  assertOk(RUN_FLAGS.includes("--allow-net"), RUN_FLAGS.join(" "));
});

Deno.test("waitFor fails with the events seen, on timeout and when the output ends", async () => {
  await using e2e = new E2e();
  const { process: host } = await e2e.host({ name: "hana" });
  await assertRejects(
    () => host.next("message", (e) => e.text === "never", { timeoutMs: 200 }),
    (e) =>
      e instanceof Error && e.message.includes("nothing matched within 200 ms") &&
      e.message.includes('"type":"listening"') && e.message.includes("[hana] running"),
  );
  await host.interrupt();
  assertEquals((await host.exit()).code, 0);
  await assertRejects(
    () => host.next("message"),
    (e) =>
      e instanceof Error && e.message.includes("output ended") &&
      e.message.includes('"type":"closed"') && e.message.includes("exited with code 0"),
  );
  // Already-seen events are found at once after the end.
  assertEquals((await host.next("closed")).reason, "you closed the room");
});
