import { assertEquals } from "../assert.ts";
import { PictureQueue, PICTURES_PER_TRANSFER } from "../../lib/tui/pictures.ts";

/** A queue whose drawings each end on a later turn, with a record of how many ran at once. */
function setup() {
  const drawn: string[] = [];
  let running = 0, most = 0;
  const queue = new PictureQueue(async (path) => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 0));
    drawn.push(path);
    running--;
  });
  return { drawn, queue, most: () => most };
}

Deno.test("pictures are drawn one at a time, in the order they came", async () => {
  const { drawn, queue, most } = setup();
  queue.offer(1, "a.png");
  queue.offer(2, "b.png");
  queue.offer(1, "c.png");
  await queue.idle;
  assertEquals(drawn, ["a.png", "b.png", "c.png"]);
  assertEquals(most(), 1);
});

Deno.test("a few pictures of one transfer are drawn, not a folder of a thousand", async () => {
  const { drawn, queue } = setup();
  for (let i = 0; i < 1000; i++) queue.offer(7, `photo${i}.jpg`);
  queue.offer(8, "other.png");
  await queue.idle;
  assertEquals(drawn.length, PICTURES_PER_TRANSFER + 1);
  assertEquals(drawn[0], "photo0.jpg");
  assertEquals(drawn.at(-1), "other.png");
});
