/**
 * The host is warned when it types a weak room password, and offered a generated one: Enter
 * alone takes it, the same password again keeps the weak one. A strong one passes quietly.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";

const HOST_ARGS = ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--name", "hana"];

Deno.test("a weak typed password: warned, and Enter alone takes a generated one", async () => {
  await using e2e = new E2e();
  const host = e2e.spawn("hana", [...HOST_ARGS, "--no-announce"]);
  await host.next("prompt", (e) => e.for === "password");
  await host.type("sunshine2024");
  const warning = await host.next("notice", (e) => e.code === "weak-password");
  assertOk(/weak/.test(warning.text) && warning.text.includes("12 characters"), warning.text);
  assertOk(!warning.text.includes("sunshine"), warning.text);
  await host.next("prompt", (e) => e.for === "password", { count: 2 });
  await host.type("");
  const generated = (await host.next("room-password")).password;
  assertEquals(generated.split("-").length, 6);
  const { port } = await host.next("listening");
  await host.next("welcome");
  const ann = await e2e.join(port, "ann", generated);
  await ann.type("/quit");
  assertEquals((await ann.exit()).code, 0);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

Deno.test("a weak typed password typed again is kept; a strong one is taken without a word", async () => {
  await using e2e = new E2e();
  const weak = e2e.spawn("hana", [...HOST_ARGS, "--no-announce"]);
  await weak.next("prompt", (e) => e.for === "password");
  await weak.type("hunter2");
  await weak.next("notice", (e) => e.code === "weak-password");
  await weak.next("prompt", (e) => e.for === "password", { count: 2 });
  await weak.type("hunter2");
  const { port } = await weak.next("listening");
  await weak.next("welcome");
  assertEquals(weak.all("room-password").length, 0);
  const ann = await e2e.join(port, "ann", "hunter2");
  await ann.type("/quit");
  assertEquals((await ann.exit()).code, 0);
  await weak.closeStdin();
  assertEquals((await weak.exit()).code, 0);

  const strong = e2e.spawn("kai", [...HOST_ARGS, "--no-announce"]);
  await strong.next("prompt", (e) => e.for === "password");
  await strong.type("correct horse battery staple");
  // Typed twice, as every password that creates a secret is.
  await strong.next("prompt", (e) => e.for === "password", { count: 2 });
  await strong.type("correct horse battery staple");
  await strong.next("welcome");
  assertEquals(strong.all("prompt").length, 2);
  assertOk(!strong.events.some((e) => e.type === "notice" && e.code === "weak-password"));
  await strong.closeStdin();
  assertEquals((await strong.exit()).code, 0);
});
