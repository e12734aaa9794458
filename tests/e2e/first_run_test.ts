/**
 * rt's first run on a fresh machine, with exactly the permissions the executable is built
 * with (the harness's `RUN_FLAGS`: the `compile` task's flags, `--cached-only`, nothing else):
 * no `RT_HOME`, only a person's fresh home (`HOME`, or `XDG_CONFIG_HOME`; `APPDATA` on Windows),
 * and rt must make its folder where the system expects it, keep its key, host, join, talk and save a file there, with nothing on stderr. A
 * grant the executable lacks fails this test here instead of on a user's machine. (Pictures
 * drawn by the worker, under the same flags, are in `files_terminal_test.ts`.)
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { rtDirectory } from "../../lib/store/paths.ts";
import { E2e, homeEnvironment, type HomeVariable, type RtProcess } from "./harness.ts";

/** Where rt should make its folder on this system, given a fresh `home` told by `variable`. */
function expectedFolder(variable: HomeVariable, home: string): string {
  const env = homeEnvironment(variable, home);
  const folder = rtDirectory({ os: Deno.build.os, env: (name) => env[name] });
  assertOk(folder, `no folder for ${variable}`);
  return folder;
}

/** Asserts that `process` printed nothing on stderr. */
function quiet(process: RtProcess): void {
  assertEquals(process.stderr, "", `[${process.label}] wrote on stderr:\n${process.describe()}`);
}

Deno.test("first run with the executable's permissions: folders, key, room, file, peers", async () => {
  await using e2e = new E2e();
  const hanaHome = e2e.home();
  const bobConfig = e2e.home();

  // rt id makes ~/.config/rt and the key in it.
  const id = e2e.spawn("hana id", ["id", "--json"], {
    json: false,
    home: hanaHome,
    homeVariable: "HOME",
  });
  assertEquals((await id.exit()).code, 0);
  quiet(id);
  const identity: { type: string; file: string; fingerprint: string } = JSON.parse(id.stdout);
  assertEquals(identity.type, "identity");
  assertEquals(identity.file, join(expectedFolder("HOME", hanaHome), "identity.json"));

  // Hosting with the same home keeps that key; a joiner with XDG_CONFIG_HOME gets its own.
  const hana = e2e.spawn(
    "hana",
    ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--no-announce", "--name", "hana"],
    { password: "pw", home: hanaHome, homeVariable: "HOME" },
  );
  const { port } = await hana.next("listening");
  const seat = await hana.next("welcome", (e) => e.host);
  assertOk(JSON.stringify(seat).includes(identity.fingerprint), JSON.stringify(seat));
  const bob = e2e.spawn("bob", ["127.0.0.1", String(port), "--name", "bob"], {
    password: "pw",
    home: bobConfig,
    homeVariable: "XDG_CONFIG_HOME",
  });
  await bob.next("welcome", (e) => e.name === "bob");
  await bob.type("hello from a fresh machine");
  await hana.next("message", (e) => e.text === "hello from a fresh machine");

  // A file, offered and accepted: it lands in the downloads folder inside rt's folder.
  const file = join(hanaHome, "notes.txt");
  await Deno.writeTextFile(file, "first-run notes\n");
  await hana.type(`/send bob ${file}`);
  const offer = await bob.next("file-offer");
  await bob.type(`/accept ${offer.id}`);
  const saved = await bob.next("file-saved", (e) => e.id === offer.id);
  const bobFolder = expectedFolder("XDG_CONFIG_HOME", bobConfig);
  assertEquals(saved.path, join(bobFolder, "downloads", "notes.txt"));
  assertEquals(await Deno.readTextFile(saved.path), "first-run notes\n");
  await hana.next("file-done");

  await bob.closeStdin();
  assertEquals((await bob.exit()).code, 0);
  await hana.closeStdin();
  assertEquals((await hana.exit()).code, 0);
  quiet(hana);
  quiet(bob);

  // bob's rt remembers hana, in bob's folder.
  const peers = e2e.spawn("bob peers", ["peers", "--json"], {
    json: false,
    home: bobConfig,
    homeVariable: "XDG_CONFIG_HOME",
  });
  assertEquals((await peers.exit()).code, 0);
  quiet(peers);
  const book: { peers: { names: string[]; fingerprint: string }[] } = JSON.parse(peers.stdout);
  assertEquals(book.peers.map((p) => [p.names, p.fingerprint]), [[
    ["hana"],
    identity.fingerprint,
  ]]);
  assertOk((await Deno.stat(join(bobFolder, "peers.json"))).isFile);
});
