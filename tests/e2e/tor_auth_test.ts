/**
 * `rt --tor` against a program on the control port that is not Tor: it names rt's own
 * identity file as Tor's cookie, then a real-looking cookie it does not know. The real rt must
 * send it nothing of either, say why in plain words, and keep the room open.
 */
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { fakeControl } from "../tor/fake_control.ts";

function leaks(text: string, secret: Uint8Array): boolean {
  const lower = text.toLowerCase();
  const plain = new TextDecoder().decode(secret);
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (lower.includes(Buffer.from(secret.subarray(i, i + 8)).toString("hex"))) return true;
  }
  for (let i = 0; i + 8 <= plain.length; i++) if (text.includes(plain.slice(i, i + 8))) return true;
  return false;
}

Deno.test("--tor: a fake control port naming rt's identity file as the cookie gets none of it", async () => {
  await using e2e = new E2e();
  const home = e2e.home();
  // rt makes its identity on first use: once, so the file is there before the fake names it.
  const id = e2e.spawn("id", ["id"], { home });
  assertEquals((await id.exit()).code, 0, id.describe());
  const identityFile = join(home, "identity.json");
  const secret = await Deno.readFile(identityFile);
  await using fake = fakeControl({ methods: "COOKIE,SAFECOOKIE", cookieFile: identityFile });
  const { process: host, port } = await e2e.host({
    name: "hana",
    home,
    args: ["--tor", "--tor-control", `127.0.0.1:${fake.port}`],
  });
  const error = await host.next("error", (e) => e.code === "tor");
  assertOk(/cookie/i.test(error.message) && /nothing/.test(error.message), error.message);
  // The room is open all the same, for everyone who does not need Tor.
  const ann = await e2e.join(port, "ann");
  await ann.type("/quit");
  assertEquals((await ann.exit()).code, 0);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
  await fake.close();
  assertOk(!leaks(fake.transcript(), secret), fake.transcript());
  assertOk(!fake.received.some((l) => l.startsWith("AUTHENTICATE")), fake.transcript());
  assertOk(!host.events.some((e) => e.type === "onion"));
});

Deno.test("--tor: a control port that cannot prove it knows the cookie is refused", async () => {
  await using e2e = new E2e();
  const home = e2e.home();
  const cookieFile = join(home, "control_auth_cookie");
  const cookie = crypto.getRandomValues(new Uint8Array(32));
  await Deno.writeFile(cookieFile, cookie);
  await using fake = fakeControl({ methods: "COOKIE,SAFECOOKIE", cookieFile });
  const { process: host } = await e2e.host({
    name: "hana",
    home,
    args: ["--tor", "--tor-control", `127.0.0.1:${fake.port}`],
  });
  const error = await host.next("error", (e) => e.code === "tor");
  assertOk(error.message.includes("did not prove"), error.message);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
  await fake.close();
  assertOk(fake.received.some((l) => l.startsWith("AUTHCHALLENGE SAFECOOKIE ")));
  assertOk(!fake.received.some((l) => l.startsWith("AUTHENTICATE")), fake.transcript());
  assertOk(!leaks(fake.transcript(), cookie), fake.transcript());
});
