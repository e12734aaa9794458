/**
 * Look-alike names: a name that mixes alphabets (Cyrillic "а" in "аlice") is refused; a name
 * written wholly in Cyrillic or Greek letters that look Latin counts as the same name as the
 * Latin one it looks like (taken in the room, a changed key in the peer book).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { checkName, nameKey } from "../../lib/room/names.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";

function refusal(name: string): string | null {
  const checked = checkName(name);
  return "refused" in checked ? checked.refused : null;
}

Deno.test("names mixing alphabets are refused, saying which", () => {
  for (
    const [name, scripts] of [
      ["\u0430lice", "Latin and Cyrillic"], // Cyrillic а, then Latin
      ["Ann\u0430", "Latin and Cyrillic"],
      ["b\u03bfb", "Latin and Greek"], // Greek omicron
      ["\u0440\u0430ypal", "Latin and Cyrillic"],
      ["\u0421\u03b1\u0448a", "Latin, Greek and Cyrillic"],
      ["ali\u0441e 2", "Latin and Cyrillic"],
      ["\u0570ello", "Latin and Armenian"], // Armenian ho
    ] as const
  ) {
    const why = refusal(name);
    assertOk(why !== null, `${name} should be refused`);
    assertOk(why.includes(scripts), `${name}: ${why}`);
    assertOk(why.includes("alphabet"), why);
  }
});

Deno.test("names in one alphabet, or Latin with Japanese, Chinese or Korean, are fine", () => {
  for (
    const name of [
      "alice",
      "José María",
      "Zoë-2",
      "\u0421\u0430\u0448\u0430", // Саша
      "\u0412\u0435\u0440\u0430", // Вера
      "\u039d\u03af\u03ba\u03bf\u03c2", // Νίκος
      "\u5c71\u7530\u592a\u90ce", // 山田太郎
      "\u3084\u307e\u3060 Taro", // やまだ Taro
      "\u30bf\u30ed\u30a6\u5c71\u7530", // タロウ山田
      "\ud55c\uad6d Kim", // 한국 Kim
      "\u0639\u0644\u064a", // علي
      "\u05d3\u05e0\u05d9", // דני
      "\u0905\u092e\u093f\u0924", // अमित
      "bob_the_3rd",
      "\u00e9mile", // é precomposed
      "e\u0301mile", // e + combining acute: one alphabet
    ]
  ) {
    assertEquals(refusal(name), null, name);
  }
});

Deno.test("a whole-alphabet look-alike is the same name as the one it imitates", () => {
  const latin = nameKey("alice");
  // Every letter Cyrillic: а ӏ і с е.
  assertEquals(nameKey("\u0430\u04cf\u0456\u0441\u0435"), latin);
  assertEquals(refusal("\u0430\u04cf\u0456\u0441\u0435"), null, "one alphabet: allowed as such");
  // Capitals too: ВОВ (Cyrillic) is BOB, ΗΑΝΑ (Greek) is HANA.
  assertEquals(nameKey("\u0412\u041e\u0412"), nameKey("bob"));
  assertEquals(nameKey("\u0397\u0391\u039d\u0391"), nameKey("Hana"));
  // A look-alike with a diacritic keeps it: Cyrillic ё is Latin ë.
  assertEquals(nameKey("\u0437\u043e\u0451"), nameKey("\u0437o\u00eb"));
  // Names that do not look alike stay apart.
  assertOk(nameKey("\u0421\u0430\u0448\u0430") !== nameKey("casha"));
  assertOk(nameKey("alice") !== nameKey("alise"));
  // Still case-insensitive and stable.
  assertEquals(nameKey("ALICE"), latin);
  for (const name of ["\u0430\u04cf\u0456\u0441\u0435", "Νίκος", "José", "ΗΑΝΑ"]) {
    assertEquals(nameKey(nameKey(name)), nameKey(name), name);
  }
});

Deno.test("a look-alike of a known name, with another key, is a changed key", () => {
  const book = PeerBook.inMemory();
  const alice = new Uint8Array(32).fill(1), impostor = new Uint8Array(32).fill(2);
  book.record("alice", alice);
  assertEquals(book.classify("\u0430\u04cf\u0456\u0441\u0435", impostor).status, "key-changed");
});
