/**
 * The relay's waiting budget with a clock the test moves: time waited for one recipient adds
 * up within a period, waits in parallel count once, a new period starts afresh, and a recipient
 * forgotten (dropped) starts afresh.
 */
import { assertEquals } from "../assert.ts";
import { RelayBudget } from "../../lib/host/relay_budget.ts";

function clock() {
  let now = 100_000;
  return { now: () => now, advance: (ms: number) => now += ms };
}

Deno.test("relay budget: waits for one recipient add up; another recipient has its own", () => {
  const time = clock();
  const budget = new RelayBudget(10_000, 30_000, time.now);
  const first = budget.begin("vic");
  assertEquals(first.leftMs, 10_000);
  time.advance(4_000);
  first.end();
  const second = budget.begin("vic");
  assertEquals(second.leftMs, 6_000);
  assertEquals(budget.begin("ann").leftMs, 10_000);
  time.advance(6_500);
  second.end();
  // Spent, and more: nothing left, never less than nothing.
  assertEquals(budget.begin("vic").leftMs, 0);
});

Deno.test("relay budget: relays waiting at once for one recipient count the time once", () => {
  const time = clock();
  const budget = new RelayBudget(10_000, 30_000, time.now);
  const a = budget.begin("vic");
  time.advance(1_000);
  // The second started a second later: the budget has run for a second already.
  const b = budget.begin("vic");
  assertEquals(b.leftMs, 9_000);
  time.advance(2_000);
  a.end();
  a.end(); // ended once only
  time.advance(1_000);
  b.end();
  // Four seconds of waiting, not seven.
  assertEquals(budget.begin("vic").leftMs, 6_000);
});

Deno.test("relay budget: a new period starts afresh, but not while a relay is waiting", () => {
  const time = clock();
  const budget = new RelayBudget(10_000, 30_000, time.now);
  const a = budget.begin("vic");
  time.advance(9_000);
  a.end();
  time.advance(21_000);
  // 30 s since the period began: not past it yet.
  const b = budget.begin("vic");
  assertEquals(b.leftMs, 1_000);
  time.advance(500);
  b.end();
  time.advance(1);
  const c = budget.begin("vic");
  assertEquals(c.leftMs, 10_000);
  // Still waiting long after the period: the wait is not forgotten by one that joins it.
  time.advance(31_000);
  assertEquals(budget.begin("vic").leftMs, 0);
  c.end();
});

Deno.test("relay budget: a recipient dropped and forgotten starts afresh", () => {
  const time = clock();
  const budget = new RelayBudget(1_000, 30_000, time.now);
  const a = budget.begin("vic");
  time.advance(1_000);
  a.end();
  assertEquals(budget.begin("vic").leftMs, 0);
  budget.forget("vic");
  assertEquals(budget.begin("vic").leftMs, 1_000);
});
