/**
 * How file-transfer events read in the terminal. Names, paths and types come from other
 * members: every one is sanitised before it is shown.
 *
 * @module
 */
import type { ChatEvent, FileView } from "../events.ts";
import { formatBytes, formatDuration } from "./progress.ts";
import { sanitize } from "./sanitize.ts";
import type { Style } from "./style.ts";

type FileEvent = Extract<
  ChatEvent,
  {
    type:
      | "file-offer"
      | "file-preparing"
      | "file-offered"
      | "file-progress"
      | "file-saved"
      | "file-done"
      | "file-stopped"
      | "transfers";
  }
>;

/** Files of an offer listed under it, at most. */
const LISTED_FILES = 10;

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A file's offered hash after `separator`; nothing when it follows the content. */
function sha(file: FileView, separator: string): string {
  return file.hash === undefined ? "" : `${separator}sha256 ${sanitize(file.hash)}`;
}

/**
 * How much, in how long, how fast: `25.0 MB in 12.5 s, 2.0 MB/s`. Under a second it says so,
 * without a rate (measured over so short a time, it means little).
 */
function sizeAndTime(bytes: number, seconds: number): string {
  if (!(seconds >= 1)) return `${formatBytes(bytes)} in under a second`;
  const time = seconds < 60 ? `${Math.round(seconds * 10) / 10} s` : formatDuration(seconds);
  return `${formatBytes(bytes)} in ${time}, ${formatBytes(bytes / seconds)}/s`;
}

/** The status line while files are hashed for an offer; `null` once done. */
export function renderPreparing(
  event: Extract<ChatEvent, { type: "file-preparing" }>,
  s: Style,
): string | null {
  if (event.done >= event.total) return null;
  const percent = Math.floor((event.done / event.total) * 100);
  return s.dim(
    `Hashing ${sanitize(event.name)} to offer it: ${percent}% ` +
      `(${formatBytes(event.done)} of ${formatBytes(event.total)})`,
  );
}

/** The text for a file-transfer event, or `null` when it shows nothing. */
export function renderFileEvent(
  event: FileEvent,
  s: Style,
  who: (name: string) => string,
): string | null {
  const name = (text: string) => s.bold(sanitize(text));
  switch (event.type) {
    case "file-offer": {
      if (event.resumes !== undefined) {
        // Accepted at once: it is the transfer that stopped, carrying on. One line says so.
        const here = event.held > 0 ? `, ${formatBytes(event.held)} of it here already` : "";
        return s.green("↻ ") +
          `${name(event.name)} from ${who(event.from)} carries on where it stopped, after the ` +
          `connection came back ${
            s.dim(`(transfer ${event.id}, ${formatBytes(event.total)}${here})`)
          }`;
      }
      const lines: string[] = [];
      const first = event.files[0]!;
      const what = event.files.length === 1
        ? `${name(first.path)} ${
          s.dim(`(${sanitize(first.mediaType)}, ${formatBytes(first.size)}${sha(first, ", ")})`)
        }`
        : `${name(event.name)} ${
          s.dim(`(${count(event.files.length, "file")}, ${formatBytes(event.total)})`)
        }`;
      const answer = event.autoAccepted
        ? s.green("accepted automatically (your verified contact)")
        : `${s.bold(`/accept ${event.id}`)} or ${s.bold(`/reject ${event.id}`)}`;
      lines.push(`📎 ${who(event.from)} offers you ${what} — ${answer}`);
      if (event.files.length > 1) {
        for (const file of event.files.slice(0, LISTED_FILES)) {
          lines.push(
            `    ${sanitize(file.path)}  ` +
              s.dim(`${sanitize(file.mediaType)}  ${formatBytes(file.size)}${sha(file, "  ")}`),
          );
        }
        if (event.files.length > LISTED_FILES) {
          lines.push(s.dim(`    and ${event.files.length - LISTED_FILES} more`));
        }
      }
      if (event.held > 0) {
        lines.push(
          s.dim(`    ${formatBytes(event.held)} of it is here from before: it will carry on.`),
        );
      }
      if (event.note) lines.push(s.yellow(`    ${sanitize(event.note)}`));
      return lines.join("\n");
    }
    case "file-offered":
      if (event.resumes !== undefined) {
        return s.dim(
          `Carrying on with ${sanitize(event.name)} to ${sanitize(event.to)} where it stopped, ` +
            `after the connection came back, as transfer ${event.id}.`,
        );
      }
      return s.dim(
        `Offered ${sanitize(event.name)} (${formatBytes(event.total)}) to ${
          sanitize(event.to)
        } as transfer ${event.id}; waiting for them to accept.`,
      );
    case "file-progress":
    case "file-preparing":
      // Drawn as a line above the input instead.
      return null;
    case "file-saved":
      return s.green("✓ ") + `Saved ${name(event.name)} from ${who(event.from)}: ` +
        `${sanitize(event.path)} ${s.dim(`(${formatBytes(event.size)}, hash verified)`)}`;
    case "file-done": {
      const size = sizeAndTime(event.total, event.seconds);
      if (event.direction === "send") {
        return s.green("✓ ") +
          `${who(event.peer)} received ${name(event.name)} intact ${s.dim(`(${size})`)}`;
      }
      if (event.files === 1) return null;
      return s.green("✓ ") +
        `All ${event.files} files of ${name(event.name)} from ${who(event.peer)} arrived and ` +
        `match their hashes ${s.dim(`(${size})`)}` +
        (event.folder ? `: ${sanitize(event.folder)}` : "");
    }
    case "file-stopped": {
      const text = `✗ ${sanitize(event.text)}`;
      return event.reason === "corrupt" || event.reason === "failed" ? s.red(text) : s.yellow(text);
    }
    case "transfers": {
      if (event.transfers.length === 0) return s.dim("No file transfers yet. /send NAME PATH");
      return event.transfers.map((t) => {
        const arrow = t.direction === "send" ? `→ ${who(t.peer)}` : `← ${who(t.peer)}`;
        const percent = t.total === 0 ? 100 : Math.floor((t.done / t.total) * 100);
        return `  #${t.id} ${arrow} ${name(t.name)} ` +
          s.dim(
            `${count(t.files, "file")}, ${formatBytes(t.done)} of ${
              formatBytes(t.total)
            } (${percent}%), ${t.state}`,
          );
      }).join("\n");
    }
  }
}
