/** How a transfer that carries on after the connection came back reads: one line each side. */
import { assertEquals } from "../assert.ts";
import { renderEvent } from "../../lib/tui/render.ts";
import type { ChatEvent } from "../../lib/events.ts";

const plain = (event: ChatEvent) => renderEvent(event, { timestamps: false });

Deno.test("an offer carrying on a transfer is one line that says so, with nothing to answer", () => {
  const line = plain({
    type: "file-offer",
    ...{ id: 4, from: "ann", name: "big\x1b[2J.bin", total: 50_000_000, held: 20_000_000 },
    files: [{
      path: "big.bin",
      size: 50_000_000,
      mediaType: "application/octet-stream",
      hash: "ab",
    }],
    autoAccepted: true,
    resumes: 2,
    note: "carries on transfer 2 from where it stopped, after the connection came back",
  });
  assertEquals(
    line,
    "↻ big\\x1b[2J.bin from ann carries on where it stopped, after the connection came back " +
      "(transfer 4, 50.0 MB, 20.0 MB of it here already)",
  );
});

Deno.test("the files offered again by rt itself say what they carry on", () => {
  const line = plain({
    type: "file-offered",
    ...{ id: 5, to: "bob", name: "big.bin", files: 1, total: 50_000_000, resumes: 3 },
  });
  assertEquals(
    line,
    "Carrying on with big.bin to bob where it stopped, after the connection came back, as " +
      "transfer 5.",
  );
});

Deno.test("an offer shows each file's hash when it came with the offer, and none when it follows", () => {
  const offer = (hashes: (string | undefined)[]): ChatEvent => ({
    type: "file-offer",
    ...{ id: 1, from: "ann", name: "2 files", total: 3_000, held: 0, autoAccepted: false },
    files: hashes.map((hash, i) => ({
      path: `f${i}.bin`,
      size: 1_500,
      mediaType: "application/octet-stream",
      ...(hash === undefined ? {} : { hash }),
    })),
  });
  assertEquals(plain(offer(["ab12", "cd34"]))!.split("\n").slice(1), [
    "    f0.bin  application/octet-stream  1.5 kB  sha256 ab12",
    "    f1.bin  application/octet-stream  1.5 kB  sha256 cd34",
  ]);
  // A streamed offer: the hashes follow the content, and nothing stands in for them.
  assertEquals(plain(offer([undefined, undefined]))!.split("\n").slice(1), [
    "    f0.bin  application/octet-stream  1.5 kB",
    "    f1.bin  application/octet-stream  1.5 kB",
  ]);
  const one = { ...offer([undefined]), name: "f0.bin", total: 1_500 } as ChatEvent;
  assertEquals(
    plain(one),
    "📎 ann offers you f0.bin (application/octet-stream, 1.5 kB) — /accept 1 or /reject 1",
  );
});
