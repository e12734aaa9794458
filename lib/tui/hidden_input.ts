/**
 * Reads one line from a terminal without echoing it, for passwords. Only this file and
 * `line_editor.ts` (through readline) touch the terminal's modes.
 *
 * @module
 */
import type { UserInput } from "./ui.ts";

const ENTER_CR = 0x0d, ENTER_LF = 0x0a, CTRL_C = 0x03, CTRL_D = 0x04, CTRL_U = 0x15;
const BACKSPACE = 0x7f, CTRL_H = 0x08, ESC = 0x1b;

/**
 * Reads a hidden line from the terminal on stdin; writes `prompt` first. `cancel` (a signal:
 * SIGTERM, the terminal closed) ends the wait with an `interrupt`, the terminal's mode restored.
 */
export async function readHiddenLine(prompt: string, cancel?: AbortSignal): Promise<UserInput> {
  const encoder = new TextEncoder();
  if (cancel?.aborted) return { kind: "interrupt" };
  Deno.stdout.writeSync(encoder.encode(prompt));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(256);
  const cancelled = new Promise<"cancelled">((resolve) =>
    cancel?.addEventListener("abort", () => resolve("cancelled"), { once: true })
  );
  try {
    while (true) {
      // The read left waiting after a cancel ends with rt, which is on its way out.
      const n = await Promise.race([Deno.stdin.read(buffer), cancelled]);
      if (n === "cancelled") return { kind: "interrupt" };
      if (n === null) return { kind: "end" };
      for (let i = 0; i < n; i++) {
        const b = buffer[i]!;
        if (b === ENTER_CR || b === ENTER_LF) {
          return { kind: "line", text: new TextDecoder().decode(Uint8Array.from(bytes)) };
        }
        if (b === CTRL_C) return { kind: "interrupt" };
        if (b === CTRL_D && bytes.length === 0) return { kind: "end" };
        if (b === CTRL_U) bytes.length = 0;
        else if (b === BACKSPACE || b === CTRL_H) {
          // Remove one whole UTF-8 character.
          while (bytes.length > 0 && (bytes.pop()! & 0xc0) === 0x80);
        } else if (b === ESC) break; // Arrow keys and the like: drop the rest of this read.
        else if (b >= 0x20) bytes.push(b);
      }
    }
  } finally {
    try {
      Deno.stdin.setRaw(false);
      Deno.stdout.writeSync(encoder.encode("\n"));
    } catch {
      // The terminal is gone (closed): nothing to restore.
    }
  }
}
