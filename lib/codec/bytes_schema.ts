/**
 * Byte strings in zod schemas: what the wire decodes to, checked like everything else on it.
 *
 * @module
 */
import { z } from "zod";

/** Any byte string. */
export const anyBytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "expected bytes");

/** A byte string of exactly `length` bytes. */
export const bytes = (length: number) =>
  anyBytes.refine((b) => b.length === length, `expected ${length} bytes`);
