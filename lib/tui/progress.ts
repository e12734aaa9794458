/**
 * Progress of file transfers as one line each, for the status area above the input line:
 * `#3 ↓ from bob  cat.jpg  [██████▏     ]  52%  12.3 MB/s  0:04 left`. Pure; peer-supplied
 * text is sanitised here, and the line never takes more columns than it is given.
 *
 * @module
 */
import { sanitize } from "./sanitize.ts";
import { makeStyle, type Style } from "./style.ts";
import { charWidth, displayWidth } from "./width.ts";

/** One transfer, as far as it has gone. */
export interface TransferProgress {
  /** The transfer's short id shown to users. */
  id: number;
  direction: "send" | "receive";
  /** The other member's name (untrusted text: sanitised when drawn). */
  peer: string;
  /** File or offer name (untrusted: sanitised when drawn). */
  name: string;
  /** Bytes done. */
  done: number;
  /** Bytes in all. */
  total: number;
  /** Current speed in bytes per second (0 when unknown). */
  bytesPerSecond: number;
}

/** The bar's inside never gets narrower than this (below, the bar goes), nor wider than that. */
const MIN_BAR = 5;
const MAX_BAR = 20;
/** A shortened name keeps at least this many columns (below, speed and time go). */
const MIN_NAME = 8;
const GAP = "  ";
/** Eighths of a cell, for the bar's partly filled cell. */
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

const UNITS = ["kB", "MB", "GB", "TB"];

/** A size in decimal units: `512 B`, `12.3 MB`; `—` for what is not a size. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "—";
  if (n < 999.5) return `${Math.round(n)} B`;
  let value = n / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A duration in whole seconds, rounded up: `0:04`, `12:30`, `1:02:03`; `—` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const whole = Math.ceil(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The first characters of `text` that fit in `width` columns. */
function head(text: string, width: number): string {
  let out = "";
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width) break;
    out += char;
    used += w;
  }
  return out;
}

/** The last characters of `text` that fit in `width` columns. */
function tail(text: string, width: number): string {
  let out = "";
  let used = 0;
  for (const char of [...text].reverse()) {
    const w = charWidth(char);
    if (used + w > width) break;
    out = char + out;
    used += w;
  }
  return out;
}

/** `text` in at most `width` columns: its start, `…`, and its end (where an extension is). */
export function shorten(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return "";
  if (width === 1) return "…";
  const end = Math.floor((width - 1) / 3);
  const start = head(text, width - 1 - end);
  return start + "…" + tail(text, width - 1 - displayWidth(start));
}

/** The inside of the bar: `width` cells, filled to `fraction` in eighths of a cell. */
function barCells(fraction: number, width: number): { filled: string; empty: string } {
  const eighths = Math.floor(fraction * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = full < width ? EIGHTHS[eighths % 8]! : "";
  return {
    filled: "█".repeat(full) + partial,
    empty: " ".repeat(width - full - (partial ? 1 : 0)),
  };
}

/** Which parts a line has room for, from the most to the least. */
const LAYOUTS = [
  { bar: true, speed: true, time: true },
  { bar: true, speed: false, time: true },
  { bar: true, speed: false, time: false },
  { bar: false, speed: false, time: false },
] as const;

/**
 * One line, at most `columns` wide by display width (CJK and emoji count 2). The bar shrinks
 * first (down to a few cells), then the name is shortened with `…`; at narrower widths the
 * speed, then the time left, then the bar are left out, and at the very narrowest the line is
 * cut. Coloured with `style` when given.
 */
export function renderProgress(p: TransferProgress, columns: number, style?: Style): string {
  const s = style ?? makeStyle(false);
  columns = Math.floor(columns);
  if (!(columns > 0)) return "";
  const done = Number.isFinite(p.done) ? Math.max(0, p.done) : 0;
  const total = Number.isFinite(p.total) ? Math.max(0, p.total) : 0;
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const complete = fraction >= 1;
  const speed = Number.isFinite(p.bytesPerSecond) && p.bytesPerSecond > 0 ? p.bytesPerSecond : 0;

  const peer = sanitize(p.peer);
  const headText = `#${p.id} ${p.direction === "send" ? "↑ to" : "↓ from"} ${peer}`;
  const name = sanitize(p.name);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(3);
  const speedText = speed > 0 ? `${formatBytes(speed)}/s` : "";
  const timeText = complete
    ? "done"
    : `${formatDuration(speed > 0 ? (total - done) / speed : NaN)} left`;

  const styledHead = (text: string) => {
    const id = `#${p.id}`;
    if (!text.startsWith(id)) return s.cyan(text);
    const rest = text.slice(id.length);
    const at = rest.lastIndexOf(peer);
    // The peer's name is coloured when it is whole (not cut).
    return at >= 0 && rest.length === at + peer.length
      ? s.dim(id) + s.cyan(rest.slice(0, at)) + s.name(p.peer, peer)
      : s.dim(id) + s.cyan(rest);
  };

  for (const layout of LAYOUTS) {
    const fixed = [headText, percent];
    if (layout.speed && speedText) fixed.push(speedText);
    if (layout.time) fixed.push(timeText);
    // Every part is followed by a gap but the last; the name is a part, the bar may be.
    const parts = fixed.length + (name ? 1 : 0) + (layout.bar ? 1 : 0);
    const room = columns - fixed.reduce((sum, t) => sum + displayWidth(t), 0) -
      GAP.length * (parts - 1);
    const nameWidth = displayWidth(name);
    const smallestName = Math.min(nameWidth, MIN_NAME);
    let barWidth = 0;
    let shownName = name;
    if (layout.bar) {
      const rest = room - 2; // the brackets
      if (rest - nameWidth >= MIN_BAR) barWidth = Math.min(MAX_BAR, rest - nameWidth);
      else if (rest - MIN_BAR >= smallestName) {
        barWidth = MIN_BAR;
        shownName = shorten(name, rest - MIN_BAR);
      } else continue;
    } else if (room >= smallestName) shownName = shorten(name, room);
    else continue;

    const out: string[] = [styledHead(headText)];
    if (shownName) out.push(s.bold(shownName));
    if (layout.bar) {
      const cells = barCells(fraction, barWidth);
      out.push(s.dim("[") + s.green(cells.filled) + cells.empty + s.dim("]"));
    }
    out.push(complete ? s.green(percent) : s.bold(percent));
    if (layout.speed && speedText) out.push(s.dim(speedText));
    if (layout.time) out.push(s.dim(timeText));
    return out.join(GAP);
  }

  // Narrower still: the head and the percentage, cut to fit.
  const percentText = percent.trimStart();
  const headRoom = columns - GAP.length - percentText.length;
  if (headRoom >= 4) {
    return styledHead(shorten(headText, headRoom)) + GAP + s.bold(percentText);
  }
  return s.bold(head(percentText, columns));
}
