/** Small assert helpers over `node:assert/strict` (`@std/assert` is JSR-only here). */
import assert from "node:assert/strict";

/** Deep strict equality. */
export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Deep strict inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.notDeepStrictEqual(actual, expected, message);
}

/** Truthiness. */
export function assertOk(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}

/** `fn` throws, and the error passes `check` when given. */
export function assertThrows(fn: () => unknown, check: (e: unknown) => boolean = () => true): void {
  assert.throws(fn, (e: unknown) => check(e));
}

/** `fn` rejects, and the error passes `check` when given. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  check: (e: unknown) => boolean = () => true,
): Promise<void> {
  await assert.rejects(fn, (e: unknown) => check(e));
}
