/**
 * Files in the real terminal: the offer, a progress bar that moves above a half-typed line
 * without disturbing it and is gone once the file is saved, and a received picture drawn
 * inline (kitty's protocol, forced with `RT_IMAGES`; the bytes rt wrote to the pane are
 * recorded with tmux's `pipe-pane`, since tmux itself does not draw pictures). The big file is
 * held half way by a valve on its sender's connection, so the bar is there to see whatever the
 * speed.
 */
import { encode as encodePng } from "fast-png";
import { assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { randomFile } from "../files/support.ts";
import { available } from "./programs.ts";
import { poll, screenLines, Terminal } from "./tmux.ts";
import { Valve } from "./valve.ts";

Deno.test({
  name: "files in a real terminal: offer, progress above the input, a picture drawn",
  // tmux drives it; where tmux is missing (Windows, a bare macOS) it is skipped.
  ignore: !available("tmux"),
}, async () => {
  await using e2e = new E2e();
  const dir = await Deno.makeTempDir({ prefix: "rt-e2e-files-tty-" });
  try {
    const { port } = await e2e.host({ name: "hana" });
    // alice's connection goes through a valve: her big file can be held half way.
    await using valve = Valve.open(port);
    const alice = e2e.joiner(valve.port, { label: "alice", name: "alice" });
    await alice.next("welcome", (e) => e.name === "alice");
    await using bob = await Terminal.open({
      label: "bob",
      args: ["127.0.0.1", String(port), "--name", "bob"],
      env: { RT_PASSWORD: "pw", RT_IMAGES: "kitty" },
    });
    await bob.waitForText("You are in the room as bob");
    await alice.next("joined", (e) => e.name === "bob");
    const raw = `${dir}/pane.raw`;
    await bob.tmux("pipe-pane", "-t", "=0:", "-o", `cat >> '${raw}'`);

    // A picture: offered, accepted, saved, and drawn with kitty's graphics protocol.
    const pixels = new Uint8Array(32 * 16 * 3).map((_, i) => (i * 7) & 0xff);
    const png = encodePng({ width: 32, height: 16, data: pixels, channels: 3, depth: 8 });
    await Deno.writeFile(`${dir}/sunset.png`, png);
    // Tab completes paths after /send NAME.
    await bob.type(`/send alice ${dir}/suns`);
    await bob.press("Tab");
    await bob.waitForText(`bob> /send alice ${dir}/sunset.png`);
    await bob.press("C-u");
    await alice.type(`/send bob ${dir}/sunset.png`);
    await bob.waitForText("alice offers you sunset.png (image/png");
    await bob.type("/accept");
    await bob.press("Enter");
    await bob.waitForText("Saved sunset.png from alice");
    await alice.next("file-done");
    const drawn = await poll(
      async () => new TextDecoder().decode(await Deno.readFile(raw).catch(() => new Uint8Array())),
      (text) => text.includes("\x1b_Ga=T") && text.includes("\x1b\\"),
      () => Promise.resolve("rt wrote no kitty picture to the terminal"),
      15_000,
    );
    // The PNG went out whole, base64 encoded: its signature is "iVBORw0KGgo".
    assertOk(drawn.includes("iVBORw0KGgo"), "the picture's bytes were not sent to the terminal");

    // A bigger file: a progress bar above a half-typed line, gone once it is saved. The first
    // 16 MB of it may pass; the rest waits behind alice's valve, so the bar stays up however
    // fast the file could go.
    await randomFile(`${dir}/big.bin`, 100 * 1024 * 1024);
    await alice.type(`/send bob ${dir}/big.bin`);
    await bob.waitForText("alice offers you big.bin", { timeoutMs: 30_000 });
    valve.closeAfter(16 * 1024 * 1024);
    await bob.type("/accept");
    await bob.press("Enter");
    await bob.type("still typing this");
    await valve.holding();
    const moving = await bob.waitForScreen(
      (s) =>
        /#\d+ ↓ .*alice.*big\.bin.*\d+%/.test(s) &&
        screenLines(s).at(-1) === "bob> still typing this",
      { what: "a progress bar above the draft", timeoutMs: 30_000 },
    );
    const lines = screenLines(moving).filter((l) => l.trim() !== "");
    assertOk(/\d+%/.test(lines.at(-2) ?? ""), `the bar is not just above the input:\n${moving}`);
    assertOk(!/100%/.test(lines.at(-2) ?? ""), `the bar is not half way:\n${moving}`);
    assertOk(lines.at(-1) === "bob> still typing this", `the draft was disturbed:\n${moving}`);
    valve.open();
    await bob.waitForText("Saved big.bin from alice", { timeoutMs: 60_000 });
    const after = await bob.waitForScreen((s) => !/\d+%/.test(s), {
      what: "the bar gone",
      history: true,
    });
    assertOk(
      screenLines(after).filter((l) => l.trim() !== "").at(-1) === "bob> still typing this",
      `the draft was disturbed:\n${after}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
