/**
 * `/send FOLDER` with links inside that lead out of it (to a secret file elsewhere, and to `/`):
 * the offer holds only what is inside the folder, and the sender is told what was left out.
 */
import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";

Deno.test({
  name: "/send FOLDER: links out of the folder are left out of the offer, and the sender told",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await using e2e = new E2e();
    const dir = e2e.home();
    const share = join(dir, "share");
    await Deno.mkdir(share);
    await Deno.writeTextFile(join(share, "photo.txt"), "inside the folder");
    await Deno.writeTextFile(join(dir, "secret.txt"), "outside the folder");
    await Deno.symlink(join(dir, "secret.txt"), join(share, "secret-link"));
    await Deno.symlink("/", join(share, "everything"));
    await Deno.symlink("photo.txt", join(share, "same-photo"));
    const { process: host, port } = await e2e.host({ name: "hana" });
    const bob = await e2e.join(port, "bob");
    await host.next("joined", (e) => e.name === "bob");
    await host.type(`/send bob ${share}`);
    const notice = await host.next("notice", (e) => e.code === "links-skipped");
    assertOk(notice.text.includes('"share/secret-link"'), notice.text);
    assertOk(notice.text.includes('"share/everything"'), notice.text);
    const offered = await host.next("file-offered");
    assertEquals(offered.files, 2);
    const offer = await bob.next("file-offer");
    assertEquals(offer.files.map((f) => f.path), ["share/photo.txt", "share/same-photo"]);
    await bob.type("/quit");
    assertEquals((await bob.exit()).code, 0);
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0, host.describe());
  },
});
