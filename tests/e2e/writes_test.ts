/**
 * rt writes only in its own folder. The executable may write anywhere (no fixed path can name
 * rt's folder on every machine), so this runs rt with writing allowed in its folder alone and
 * does everything that writes: making the key, remembering and trusting peers, receiving files
 * both ways (partial files, then the downloads folder), banning (the blocklist). Deno refuses
 * any write elsewhere, which would show as an error here.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { BLOCKLIST_FILE, PEERS_FILE } from "../../lib/store/mod.ts";
import { E2e, type RtProcess } from "./harness.ts";

/** Asserts that `process` said nothing went wrong. */
function clean(process: RtProcess): void {
  assertEquals(process.stderr, "", process.describe());
  assertEquals(process.all("error"), [], process.describe());
}

Deno.test("rt writes nowhere but its own folder: key, peers, files both ways, blocklist", async () => {
  await using e2e = new E2e();
  const [hanaHome, bobHome, carolHome] = [e2e.home(), e2e.home(), e2e.home()];
  const only = { password: "pw", writeOnlyHome: true };
  const hana = e2e.spawn(
    "hana",
    ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--no-announce", "--name", "hana"],
    { ...only, home: hanaHome },
  );
  const { port } = await hana.next("listening");
  const join = (name: string, home: string) =>
    e2e.spawn(name, ["127.0.0.1", String(port), "--name", name], { ...only, home });
  const bob = join("bob", bobHome);
  await bob.next("welcome", (e) => e.name === "bob");
  const carol = join("carol", carolHome);
  await carol.next("welcome", (e) => e.name === "carol");

  // Files both ways, from outside rt's folders, received into each one's downloads.
  const outside = e2e.home();
  await Deno.writeTextFile(`${outside}/to-bob.txt`, "for bob\n");
  await Deno.writeTextFile(`${outside}/to-hana.txt`, "for hana\n");
  await hana.type(`/send bob ${outside}/to-bob.txt`);
  const toBob = await bob.next("file-offer");
  await bob.type(`/accept ${toBob.id}`);
  const savedByBob = await bob.next("file-saved");
  assertOk(savedByBob.path.startsWith(bobHome), savedByBob.path);
  await bob.type(`/send hana ${outside}/to-hana.txt`);
  const toHana = await hana.next("file-offer");
  await hana.type(`/accept ${toHana.id}`);
  const savedByHana = await hana.next("file-saved");
  assertOk(savedByHana.path.startsWith(hanaHome), savedByHana.path);

  // Trusting a key and banning someone are written down.
  await bob.type("/trust hana");
  await bob.next("notice", (e) => /verified/i.test(e.text));
  await hana.type("/ban carol");
  await carol.next("closed");
  await hana.next("left", (e) => e.name === "carol");

  for (const process of [bob, carol, hana]) {
    await process.closeStdin();
    assertEquals((await process.exit()).code, 0, process.describe());
    clean(process);
  }
  const book = JSON.parse(await Deno.readTextFile(`${bobHome}/${PEERS_FILE}`));
  assertOk(JSON.stringify(book).includes("hana"), JSON.stringify(book));
  assertOk((await Deno.stat(`${hanaHome}/${BLOCKLIST_FILE}`)).isFile);

  // rt id and rt peers, under the same limit.
  for (const args of [["id"], ["peers"]]) {
    const process = e2e.spawn(`bob ${args[0]}`, args, { json: false, home: bobHome, ...only });
    assertEquals((await process.exit()).code, 0, process.describe());
    clean(process);
  }
});
