import { assertEquals } from "../assert.ts";
import { completePath, type Entry, lastPathWord } from "../../lib/tui/path_completion.ts";

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
