/**
 * Notices about connections with a clock the test moves: a burst, then a few a second; those
 * left out are counted and said once, just before the next one that passes; notices about
 * members are never held back.
 */
import { assertEquals } from "../assert.ts";
import { NoticeRate } from "../../lib/host/notice_rate.ts";
import type { Say } from "../../lib/host/notice_text.ts";

function clock() {
  let now = 5_000;
  return { now: () => now, advance: (ms: number) => now += ms };
}

const refused = (n: number): Say => ({
  code: "refused",
  text: `Turned away #${n}`,
  address: "192.0.2.1",
  limited: true,
});

Deno.test("notice rate: a burst passes, the rest are counted and said before the next one let through", () => {
  const time = clock();
  const rate = new NoticeRate(5, 3, time.now);
  const given = (n: number) => rate.pass(refused(n)).map((s) => `${s.code} ${s.text}`);
  assertEquals([1, 2, 3].flatMap(given), [
    "refused Turned away #1",
    "refused Turned away #2",
    "refused Turned away #3",
  ]);
  // The burst is spent: the next ones are left out, however many.
  for (let n = 4; n < 104; n++) assertEquals(given(n), []);
  // Five a second: one more after 200 ms, with the count of those left out before it.
  time.advance(199);
  assertEquals(given(104), []);
  time.advance(1);
  assertEquals(given(105), [
    "suppressed 101 more notices about connections were left out: too many connections at once",
    "refused Turned away #105",
  ]);
  // Counted once: the next one let through says nothing of them.
  time.advance(200);
  assertEquals(given(106), ["refused Turned away #106"]);
  time.advance(50);
  assertEquals(given(107), []);
  time.advance(150);
  assertEquals(given(108), [
    "suppressed 1 more notice about connections was left out: too many connections at once",
    "refused Turned away #108",
  ]);
});

Deno.test("notice rate: the count is said plainly (no address lookup), at the address of the one let through", () => {
  const time = clock();
  const rate = new NoticeRate(1, 1, time.now);
  rate.pass(refused(1));
  rate.pass({ ...refused(2), address: "198.51.100.2" });
  time.advance(1000);
  const [count, next] = rate.pass({ ...refused(3), address: "203.0.113.3" });
  assertEquals(count, {
    code: "suppressed",
    text: "1 more notice about connections was left out: too many connections at once",
    address: "203.0.113.3",
    plain: true,
  });
  assertEquals(next?.address, "203.0.113.3");
});

Deno.test("notice rate: notices not about connections are never held back, nor spend the rate", () => {
  const time = clock();
  const rate = new NoticeRate(1, 1, time.now);
  for (let i = 0; i < 50; i++) {
    const flood: Say = { code: "flood", text: `flood ${i}`, address: "192.0.2.9" };
    assertEquals(rate.pass(flood), [flood]);
  }
  assertEquals(rate.pass(refused(1)).length, 1);
  assertEquals(rate.pass(refused(2)).length, 0);
});
