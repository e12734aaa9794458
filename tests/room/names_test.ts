/**
 * Look-alike names: a name that mixes alphabets (Cyrillic "а" in "аlice") is refused; a name
 * written wholly in Cyrillic or Greek letters that look Latin counts as the same name as the
 * Latin one it looks like (taken in the room, a changed key in the peer book).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { checkName, NAME_RULES, nameKey, nextName, suggestName } from "../../lib/room/names.ts";
import { MAX_NAME_CHARS, RoomMessage } from "../../lib/codec/messages.ts";
import { Room } from "../../lib/room/room.ts";
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
      ["ali\u0441e2", "Latin and Cyrillic"],
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
      "José-María",
      "Zoë-2",
      "\u0421\u0430\u0448\u0430", // Саша
      "\u0412\u0435\u0440\u0430", // Вера
      "\u039d\u03af\u03ba\u03bf\u03c2", // Νίκος
      "\u5c71\u7530\u592a\u90ce", // 山田太郎
      "\u3084\u307e\u3060_Taro", // やまだ_Taro
      "\u30bf\u30ed\u30a6\u5c71\u7530", // タロウ山田
      "\ud55c\uad6dKim", // 한국Kim
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

Deno.test("a name is one word: spaces and blank characters are refused, saying what is allowed", () => {
  for (
    const name of [
      "carol the great",
      "carol\u00a0great", // no-break space
      "ann\u3000lee", // ideographic space
      "x\u2003y", // em space
      "\u3164", // Hangul filler: a letter that shows as nothing
      "bob\u2800", // Braille blank
      "\u115fbob",
      "bob\u1680x", // Ogham space mark
    ]
  ) {
    const why = refusal(name);
    assertOk(why !== null, `${JSON.stringify(name)} should be refused`);
    assertOk(/spaces?\b/.test(why), why);
  }
  // Spaces at either end are not part of the name.
  assertEquals(checkName("  bob "), { display: "bob", key: "bob" });
  // What to offer instead.
  assertEquals(suggestName("carol the great"), "carol_the_great");
  assertEquals(suggestName("ann\u3000lee"), "ann_lee");
  assertEquals(suggestName("/carol the great"), "carol_the_great");
  assertEquals(suggestName("\u3164"), null, "nothing left to offer");
  for (const name of ["carol the great", "x\u2003y", "a  b  c"]) {
    const offered = suggestName(name);
    assertOk(offered !== null && refusal(offered) === null, `${name}: ${offered}`);
  }
  assertOk(NAME_RULES.includes(String(MAX_NAME_CHARS)), NAME_RULES);
});

Deno.test('"all" is not a name: /send all and /dm all mean everyone', () => {
  for (const name of ["all", "ALL", "All", "\uff41\uff4c\uff4c"]) { // and fullwidth ａｌｌ
    const why = refusal(name);
    assertOk(why !== null && why.includes("/send all"), `${name}: ${why}`);
  }
  assertEquals(refusal("allie"), null);
  assertEquals(refusal("all2"), null);
});

Deno.test("after a taken name, the next one is offered: alice2, alice3, ..., within the limit", () => {
  assertEquals(nextName("alice"), "alice2");
  assertEquals(nextName("alice2"), "alice3");
  assertEquals(nextName("alice9"), "alice10");
  assertEquals(nextName("r2d2"), "r2d3");
  assertEquals(nextName("007"), "008");
  assertEquals(nextName("Ann-Lee"), "Ann-Lee2");
  const long = "x".repeat(MAX_NAME_CHARS);
  assertEquals(nextName(long), "x".repeat(MAX_NAME_CHARS - 1) + "2");
  assertEquals(
    nextName("x".repeat(MAX_NAME_CHARS - 1) + "9"),
    "x".repeat(MAX_NAME_CHARS - 2) + "10",
  );
  // Cut by characters, never inside one.
  const emoji = "\u{1f389}".repeat(MAX_NAME_CHARS);
  assertEquals(nextName(emoji), "\u{1f389}".repeat(MAX_NAME_CHARS - 1) + "2");
  assertEquals(nextName("9".repeat(MAX_NAME_CHARS)), "9".repeat(MAX_NAME_CHARS - 1) + "2");
  for (const name of ["alice", long, emoji, "bob99", "\u5c71\u7530", "9".repeat(MAX_NAME_CHARS)]) {
    assertEquals(refusal(nextName(name)), null, nextName(name));
    assertOk(nameKey(nextName(name)) !== nameKey(name));
  }
});

Deno.test("the host's room refuses what the rules refuse, whatever an older joiner sends", () => {
  const room = new Room();
  for (const name of ["carol the great", "x\u00a0y", "all", "\u3164"]) {
    const inbox: RoomMessage[] = [];
    const membership = room.connect({ deliver: (m) => inbox.push(m), disconnect: () => {} }, {
      address: "192.0.2.9",
      key: new Uint8Array(32).fill(7),
    });
    membership.receive({ t: "join", name });
    const reply = inbox[0];
    assertOk(reply?.t === "name-refused", `${JSON.stringify(name)}: ${JSON.stringify(inbox)}`);
    // Within what the protocol carries (an older joiner would drop the connection otherwise).
    assertOk(RoomMessage.safeParse(reply).success, reply.reason);
  }
  assertEquals(room.members(), []);
});

Deno.test("people remembered under a name with spaces (older rt) can still be forgotten", () => {
  const book = PeerBook.inMemory();
  const carol = new Uint8Array(32).fill(3), dave = new Uint8Array(32).fill(4);
  book.record("carol the great", carol);
  book.record("dave", dave);
  assertEquals(book.forget("carol the great", () => false).map((r) => r.names), [[
    "carol the great",
  ]]);
  book.record("Carol The Great", carol);
  // However the spaces are typed.
  assertEquals(book.forget("  carol   the\tgreat ", () => false).length, 1);
  assertEquals(book.list().map((r) => r.names), [["dave"]]);
});

Deno.test("every refusal fits in the protocol's name-refused reason, however odd the name", () => {
  // A name mixing as many alphabets as it has letters.
  const many = "aαаաაᎠⲀꓮאاܐހअঅਅઅଅஅఅಅഅඅกກཀကកᠠአᐁⴰ";
  for (const name of [many, many.slice(0, 20), "x".repeat(500), "a b", "/x", "all", "\u0007"]) {
    const checked = checkName(name);
    assertOk("refused" in checked, name);
    const message = { t: "name-refused", reason: checked.refused };
    assertOk(
      RoomMessage.safeParse(message).success,
      `${checked.refused.length}: ${checked.refused}`,
    );
  }
});
