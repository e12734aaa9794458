/** The harness itself: failures say what was seen, and everything is cleaned up. */
import { assertEquals, assertRejects } from "../assert.ts";
import { E2e } from "./harness.ts";

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
