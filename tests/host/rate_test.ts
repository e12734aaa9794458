/** The token bucket behind the host's limits on members and notices, on a clock the test moves. */
import { assertEquals, assertThrows } from "../assert.ts";
import { TokenBucket } from "../../lib/host/rate.ts";

function clock() {
  let now = 5_000;
  return { now: () => now, advance: (ms: number) => now += ms };
}

Deno.test("a full bucket gives its burst at once, then says how long until the next token", () => {
  const time = clock();
  const bucket = new TokenBucket(2, 3, time.now);
  assertEquals([bucket.take(), bucket.take(), bucket.take()], [0, 0, 0]);
  // Two per second: the next token is 500 ms away, and asking again takes nothing.
  assertEquals(bucket.take(), 500);
  assertEquals(bucket.take(), 500);
  time.advance(200);
  assertEquals(bucket.take(), 300);
  time.advance(300);
  assertEquals(bucket.take(), 0);
  assertEquals(bucket.take(), 500);
});

Deno.test("the sustained rate holds over time, and a long rest refills no more than the burst", () => {
  const time = clock();
  const bucket = new TokenBucket(10, 5, time.now);
  let taken = 0;
  // Asking every 10 ms for ten seconds (the last at 9.99 s): the burst, then 99 more.
  for (let ms = 0; ms < 10_000; ms += 10) {
    if (bucket.take() === 0) taken++;
    time.advance(10);
  }
  assertEquals(taken, 5 + 100 - 1);
  time.advance(3_600_000);
  let burst = 0;
  while (bucket.take() === 0) burst++;
  assertEquals(burst, 5);
});

Deno.test("a slow rate waits whole milliseconds, rounded up", () => {
  const time = clock();
  const bucket = new TokenBucket(3, 1, time.now);
  assertEquals(bucket.take(), 0);
  assertEquals(bucket.take(), 334); // a third of a second
  time.advance(333);
  assertEquals(bucket.take(), 1);
});

Deno.test("a bucket that could never give a token is refused", () => {
  for (const [rate, burst] of [[0, 1], [-1, 1], [NaN, 1], [1, 0], [1, 0.5], [1, NaN]]) {
    assertThrows(() => new TokenBucket(rate!, burst!), (e) => e instanceof RangeError);
  }
});
