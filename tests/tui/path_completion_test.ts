import { assertEquals } from "../assert.ts";
import {
  completePath,
  completeSendPath,
  type Entry,
  lastPathWord,
  readFolder,
} from "../../lib/tui/path_completion.ts";

const tree: Record<string, Entry[]> = {
  "./": [
    { name: "notes.txt", isDirectory: false },
    { name: "photos", isDirectory: true },
    { name: "my file.pdf", isDirectory: false },
    { name: ".hidden", isDirectory: false },
  ],
  "/home/ann/": [{ name: "Pictures", isDirectory: true }, { name: "Public", isDirectory: true }],
  "photos/": [{ name: "cat.jpg", isDirectory: false }, { name: "cats", isDirectory: true }],
};
const list = (folder: string) => {
  const entries = tree[folder];
  if (!entries) throw new Error("no such folder");
  return entries;
};
const complete = (word: string) => completePath(word, "/home/ann", list);

Deno.test("the last word of a line, escapes included", () => {
  assertEquals(lastPathWord("/send bob notes.txt pho"), "pho");
  assertEquals(lastPathWord("/send bob my\\ fi"), "my\\ fi");
  assertEquals(lastPathWord("/send bob "), "");
  assertEquals(lastPathWord("/send bob photos/"), "photos/");
});

Deno.test("paths complete from their folder; folders end with a slash", () => {
  assertEquals(complete("pho"), ["photos/"]);
  assertEquals(complete("photos/ca"), ["photos/cat.jpg", "photos/cats/"]);
  assertEquals(complete(""), ["my\\ file.pdf", "notes.txt", "photos/"]);
  assertEquals(complete("."), [".hidden"]);
  assertEquals(complete("~/P"), ["~/Pictures/", "~/Public/"]);
  assertEquals(complete("nothing/x"), []);
});

Deno.test("names with spaces come back escaped, as /send reads them", () => {
  assertEquals(complete("my"), ["my\\ file.pdf"]);
  assertEquals(complete("my\\ f"), ["my\\ file.pdf"]);
});

Deno.test("Tab after /send NAME completes a path; a single file ends the word", () => {
  const send = (line: string) => completeSendPath(line, "/home/ann", list);
  assertEquals(send("/send bob no"), { hits: ["notes.txt "], word: "no" });
  assertEquals(send("/file bob pho"), { hits: ["photos/"], word: "pho" });
  assertEquals(send("/SEND bob photos/ca"), {
    hits: ["photos/cat.jpg", "photos/cats/"],
    word: "photos/ca",
  });
  assertEquals(send("/send bob missing/x"), { hits: [], word: "missing/x" });
  // The name is completed elsewhere; so is any other line.
  assertEquals(send("/send bo"), null);
  assertEquals(send("/msg bob no"), null);
  assertEquals(send("send bob no"), null);
});

Deno.test("paths complete from the disk by default", async () => {
  const folder = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${folder}/report one.pdf`, "");
    await Deno.mkdir(`${folder}/reports`);
    assertEquals(readFolder(folder).sort((a, b) => a.name.localeCompare(b.name)), [
      { name: "report one.pdf", isDirectory: false },
      { name: "reports", isDirectory: true },
    ]);
    assertEquals(completeSendPath(`/send bob ${folder}/report`, undefined), {
      hits: [`${folder}/report\\ one.pdf`, `${folder}/reports/`],
      word: `${folder}/report`,
    });
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
