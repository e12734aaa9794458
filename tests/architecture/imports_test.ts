/**
 * The picture of the code stays true: which folder of lib/ may import which, and that a folder
 * is entered through its `mod.ts` (its face), never by reaching into its files.
 *
 * The folders, from the bottom up: `util` (small helpers), then what rt is made of — the wire
 * (`codec`), the key exchange (`handshake`), keys (`identity`), the network (`transport`,
 * `nat`, `discovery`, `tor`), rt's files (`store`), the room in memory (`room`) — then the two
 * sides of a room (`host`, `client`) and files between members (`files`), the terminal (`tui`),
 * and on top the program's use of them all (`app`, `cli`). The room knows nothing of sockets,
 * the transport nothing of rooms, the terminal nothing of either.
 */
import { assertEquals } from "../assert.ts";

const LIB = new URL("../../lib/", import.meta.url);

/** The single files at lib/'s top: types and errors every folder may use. */
const SHARED = new Set(["errors.ts", "events.ts"]);

/** What each folder may import (besides itself, `util` and the shared files). */
const ALLOWED: Record<string, string[]> = {
  util: [],
  codec: [],
  handshake: [],
  identity: ["handshake"],
  ipdb: [],
  nat: [],
  room: ["codec"],
  store: ["identity", "room"],
  transport: ["codec", "handshake", "identity"],
  tor: ["transport"],
  discovery: ["codec", "identity", "room"],
  files: ["codec", "handshake", "identity", "room"],
  host: ["codec", "handshake", "identity", "ipdb", "room", "store", "transport"],
  client: ["codec", "files", "handshake", "identity", "room", "store", "transport"],
  tui: [],
  app: [
    "client",
    "codec",
    "discovery",
    "files",
    "handshake",
    "host",
    "identity",
    "ipdb",
    "nat",
    "room",
    "store",
    "tor",
    "transport",
    "tui",
  ],
};
ALLOWED.cli = [...ALLOWED.app!, "app"];

/** Every .ts file under lib/, as paths relative to it. */
function libFiles(dir = LIB, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      out.push(...libFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.name.endsWith(".ts")) out.push(`${prefix}${entry.name}`);
  }
  return out.sort();
}

/** The relative imports of a file's text (static and dynamic, and `new URL(...)` workers). */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
    found.push(m[1]!);
  }
  for (const m of text.matchAll(/new URL\(\s*"(\.{1,2}\/[^"]+\.ts)"/g)) found.push(m[1]!);
  return found;
}

/** `a/b/../c.ts` → `a/c.ts`. */
function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === ".." && parts.length > 0 && parts.at(-1) !== "..") parts.pop();
    else if (part === "..") parts.push(part);
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

interface Crossing {
  file: string;
  target: string;
}

function crossings(): Crossing[] {
  const out: Crossing[] = [];
  for (const file of libFiles()) {
    const text = Deno.readTextFileSync(new URL(file, LIB));
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
    for (const specifier of importsOf(text)) {
      const target = normalise(dir + specifier);
      if (target.startsWith("../")) continue; // outside lib/ (deno.json)
      const from = file.split("/")[0]!;
      const to = target.split("/")[0]!;
      if (from !== to) out.push({ file, target });
    }
  }
  return out;
}

Deno.test("every folder of lib/ has a place in the picture", () => {
  const folders = new Set(libFiles().filter((f) => f.includes("/")).map((f) => f.split("/")[0]!));
  assertEquals([...folders].filter((f) => !(f in ALLOWED)), [], "folders missing from ALLOWED");
});

Deno.test("a folder imports only the folders below it", () => {
  const wrong = crossings().filter(({ file, target }) => {
    const from = file.split("/")[0]!;
    const to = target.split("/")[0]!;
    if (SHARED.has(to) || to === "util") return false;
    if (SHARED.has(from)) return true; // the shared files import nothing of the folders
    return !(ALLOWED[from] ?? []).includes(to);
  }).map(({ file, target }) => `${file} -> ${target}`);
  assertEquals(wrong, []);
});

Deno.test("a folder is entered through its mod.ts", () => {
  const wrong = crossings().filter(({ target }) =>
    target.includes("/") && !target.endsWith("/mod.ts")
  ).map(({ file, target }) => `${file} -> ${target}`);
  assertEquals(wrong, []);
});

Deno.test("the checks above see imports (they would catch a wrong one)", () => {
  assertEquals(
    importsOf('import { a } from "../room/room.ts";\nconst w = new URL("./worker.ts", x);'),
    ["../room/room.ts", "./worker.ts"],
  );
  assertEquals(normalise("tui/../room/room.ts"), "room/room.ts");
  assertEquals(normalise("cli/../../deno.json"), "../deno.json");
  // Today's code has crossings at all (so the filters above have something to judge).
  assertEquals(crossings().length > 20, true);
});
