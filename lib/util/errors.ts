/**
 * Describing an error in words, and telling a programming error (a bug in rt) from a failure
 * of the world (a lost connection, a missing file, a refusal).
 *
 * @module
 */

/**
 * Whether `error` is a bug in rt rather than a failure it was written to expect: a reference to
 * something undefined, or a value used as what it is not.
 */
export function isProgrammingError(error: unknown): boolean {
  if (
    error instanceof ReferenceError || error instanceof SyntaxError || error instanceof EvalError
  ) return true;
  return error instanceof TypeError &&
    /is not a function|is not iterable|is not a constructor|Cannot (read|set) propert|is not defined/
      .test(error.message);
}

/**
 * The words of an error, for people: its message, or, for a programming error, one that says it
 * is one (so that a bug surfaces as a bug, not as a plausible reason).
 */
export function describeError(error: unknown): string {
  if (isProgrammingError(error)) {
    const { name, message } = error as Error;
    return `internal error in rt (${name}: ${message}); please report it`;
  }
  return error instanceof Error ? error.message : String(error);
}
