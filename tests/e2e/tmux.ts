/**
 * Real-terminal harness: runs the real `rt` (`main.ts`, as a person would, without `--json`) in
 * a pane of a private tmux server, types keys into it, and reads the screen back.
 *
 * Each {@link Terminal} has its own tmux server (`tmux -L <unique socket>`, no configuration
 * file), so tests never touch the user's tmux nor each other. The pane runs `rt` through a small
 * shell wrapper that records rt's process id and exit status in pane options (`@rt_pid`,
 * `@rt_exit`) and then keeps the pane open (ten minutes at most), so the last screen can still
 * be read after `rt` has exited. `close()` (or `await using`) kills the server and removes its
 * socket. Every tmux call runs to completion, so Deno's sanitizers stay on. Linux: `stty -F`
 * reads the pane's terminal size.
 *
 * @module
 */
import { assertOk } from "../assert.ts";
import { DEFAULT_TIMEOUT_MS } from "./rt_output.ts";
import { ROOT, rtCommand, rtEnv, tempHome } from "./rt_launch.ts";

/** Options of one terminal running `rt`. */
export interface TerminalOptions {
  /** A label for failure messages, e.g. `alice`. */
  label: string;
  /** Arguments after `main.ts` (or `script`). */
  args: string[];
  /** The program to run instead of `main.ts`, relative to the checkout (a test fixture). */
  script?: string;
  /** Extra environment of `rt` (e.g. `RT_PASSWORD`, `USER`), on top of a clean one. */
  env?: Record<string, string>;
  /** Leave `NO_COLOR` unset, so rt uses colours (default: `NO_COLOR=1`, plain text). */
  color?: boolean;
  /** Pane width in columns (default 80). */
  width?: number;
  /** Pane height in rows (default 24). */
  height?: number;
  /** rt's folder (`RT_HOME`); default: a fresh temporary one, removed on close. */
  home?: string;
}

/** How to read the screen. */
export interface CaptureOptions {
  /** Include the scrollback, from its first line (`capture-pane -S -`). */
  history?: boolean;
  /** Join wrapped lines into one (`-J`). */
  join?: boolean;
  /** Keep colours and attributes as escape sequences (`-e`). */
  escapes?: boolean;
}

/** tmux's name of the pane's terminal type; rt sees it as `TERM`. */
const PANE_TERM = "screen";

let counter = 0;

/** Quotes one word for `sh`. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Splits captured text into lines without trailing blanks, and drops blank lines at the end. */
export function screenLines(screen: string): string[] {
  const lines = screen.split("\n").map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Shows control characters of captured text (escape sequences) for failure messages. */
export function visible(text: string): string {
  // deno-lint-ignore no-control-regex -- showing control characters is the point
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

/**
 * Reads a value until `done` accepts it; resolves with that value. Rejects with `why(last)`
 * when `timeoutMs` passes first.
 */
export async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  why: (last: T) => Promise<string> | string,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(await why(value));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One tmux server with one pane running `rt`. */
export class Terminal implements AsyncDisposable {
  readonly label: string;
  readonly socket: string;
  #socketPath: string | null = null;
  #closed = false;
  #ownHome: string | null = null;

  private constructor(label: string, socket: string) {
    this.label = label;
    this.socket = socket;
  }

  /** Starts a private tmux server whose only pane runs `rt` with `options`. */
  static async open(options: TerminalOptions): Promise<Terminal> {
    const socket = `rt-test-${Deno.pid}-${++counter}-${crypto.randomUUID().slice(0, 8)}`;
    const terminal = new Terminal(options.label, socket);
    const home = options.home ?? tempHome();
    if (!options.home) terminal.#ownHome = home;
    // The harness's environment (colour is the test's choice here, `color`).
    const { env } = rtEnv({ home, env: options.env, color: options.color });
    // `env -i`: only what is set here (and the pane's own `TERM`) reaches rt. rt's process id
    // and then its exit status go into pane options, and the pane stays open.
    const command = [
      "env -i",
      'TERM="$TERM"',
      ...Object.entries(env).map(([k, v]) => shQuote(`${k}=${v}`)),
      ...[...rtCommand({ script: options.script }), ...options.args].map(shQuote),
    ].join(" ");
    const run = `tmux set-option -p -t "$TMUX_PANE" @rt_pid "$$"; exec ${command}`;
    const script = `sh -c ${shQuote(run)}; tmux set-option -p -t "$TMUX_PANE" @rt_exit "$?"; ` +
      `exec sleep 600`;
    await terminal.tmux(
      "set-option",
      "-g",
      "default-terminal",
      PANE_TERM,
      ";",
      // OSC 52 from the program would fill a paste buffer: observable, see `buffers()`.
      "set-option",
      "-g",
      "set-clipboard",
      "on",
      ";",
      "set-option",
      "-g",
      "history-limit",
      "10000",
      ";",
      "new-session",
      "-d",
      "-x",
      String(options.width ?? 80),
      "-y",
      String(options.height ?? 24),
      "-c",
      decodeURIComponent(ROOT.pathname),
      "sh",
      "-c",
      script,
    );
    terminal.#socketPath = await terminal.display("#{socket_path}");
    return terminal;
  }

  /** Runs one tmux command on this server; returns its standard output. */
  async tmux(...args: string[]): Promise<string> {
    const output = await new Deno.Command("tmux", {
      args: ["-u", "-f", "/dev/null", "-L", this.socket, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    if (!output.success) {
      throw new Error(
        `[${this.label}] tmux ${args.join(" ")} failed (${output.code}): ${
          decoder.decode(output.stderr).trim()
        }`,
      );
    }
    return decoder.decode(output.stdout);
  }

  /** Types `text` literally (no key names; no Enter). */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", "=0:", "-l", text);
  }

  /** Presses keys by tmux name: `Enter`, `Tab`, `Up`, `BSpace`, `C-c`, `C-d`... */
  async press(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "=0:", ...keys);
  }

  /** The screen as text (lines end with `\n`). */
  async screen(options: CaptureOptions = {}): Promise<string> {
    const args = ["capture-pane", "-p", "-t", "=0:"];
    if (options.history) args.push("-S", "-");
    if (options.join) args.push("-J");
    if (options.escapes) args.push("-e");
    return await this.tmux(...args);
  }

  /** A tmux format evaluated for the pane, e.g. `#{pane_title}`. */
  async display(format: string): Promise<string> {
    return (await this.tmux("display-message", "-p", "-t", "=0:", format)).replace(/\n$/, "");
  }

  /** The cursor's column and row on the visible screen. */
  async cursor(): Promise<{ x: number; y: number }> {
    const [x, y] = (await this.display("#{cursor_x} #{cursor_y}")).split(" ").map(Number);
    return { x: x!, y: y! };
  }

  /** The pane's title (set by OSC 0/2 from the program). */
  title(): Promise<string> {
    return this.display("#{pane_title}");
  }

  /** Whether the terminal bell rang in the window (tmux marks a detached session's window). */
  async bellRang(): Promise<boolean> {
    return (await this.display("#{window_bell_flag}")) === "1";
  }

  /** Names of tmux paste buffers (OSC 52 from the program would add one). */
  async buffers(): Promise<string[]> {
    return screenLines(await this.tmux("list-buffers", "-F", "#{buffer_name}"));
  }

  /**
   * Resizes the window (and so the pane), and waits until the pane's terminal device has the
   * new size: tmux rewraps its screen at once but holds back a size change that follows
   * another within 250 ms, and rt only learns the size from the device (and SIGWINCH).
   */
  async resize(width: number, height: number): Promise<void> {
    await this.tmux("resize-window", "-t", "=0:", "-x", String(width), "-y", String(height));
    const tty = await this.display("#{pane_tty}");
    const size = async () => {
      const output = await new Deno.Command("stty", {
        args: ["-F", tty, "size"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      return new TextDecoder().decode(output.success ? output.stdout : output.stderr).trim();
    };
    await poll(
      size,
      (rowsColumns) => rowsColumns === `${height} ${width}`,
      (last) => `[${this.label}] ${tty} stayed at "${last}", not "${height} ${width}"`,
    );
  }

  /**
   * Runs `fn` while rt is stopped (SIGSTOP), as if it were busy: what `fn` does to the terminal
   * (keys, resizes) reaches rt all at once when it continues.
   */
  async whileStopped(fn: () => Promise<void>): Promise<void> {
    const pid = Number(await this.display("#{@rt_pid}"));
    if (!(pid > 0) || (await this.exitCode()) !== null) throw new Error(`[${this.label}] no rt`);
    Deno.kill(pid, "SIGSTOP");
    try {
      await fn();
    } finally {
      Deno.kill(pid, "SIGCONT");
    }
    const exit = await this.exitCode();
    if (exit !== null) throw new Error(`[${this.label}] rt exited (${exit}) while stopped`);
  }

  /** `rt`'s exit status once it has exited; `null` while it runs. */
  async exitCode(): Promise<number | null> {
    const value = await this.display("#{@rt_exit}");
    return value === "" ? null : Number(value);
  }

  /** The screen for a failure message: the scrollback and the visible screen, marked. */
  async describe(): Promise<string> {
    if (this.#closed) return `[${this.label}] (closed)`;
    try {
      const all = screenLines(await this.screen({ history: true }));
      const exit = await this.exitCode();
      return [
        `[${this.label}] screen and scrollback (${all.length} lines; ${
          exit === null ? "rt running" : `rt exited with ${exit}`
        }):`,
        ...all.map((l) => `  |${visible(l)}`),
      ].join("\n");
    } catch (error) {
      return `[${this.label}] (screen unavailable: ${error})`;
    }
  }

  /**
   * Polls the screen until `predicate` holds; resolves with that screen. Fails with the
   * screen when `timeoutMs` passes first.
   */
  waitForScreen(
    predicate: (screen: string) => boolean,
    options: CaptureOptions & { timeoutMs?: number; what?: string } = {},
  ): Promise<string> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return poll(
      () => this.screen(options),
      predicate,
      async (screen) =>
        `[${this.label}] the screen did not show ${
          options.what ?? predicate.toString()
        } within ${timeoutMs} ms. Last capture:\n${
          screenLines(screen).map((l) => `  |${visible(l)}`).join("\n")
        }\n${await this.describe()}`,
      timeoutMs,
    );
  }

  /** Waits until the screen (with `options`) contains `text`. */
  waitForText(
    text: string,
    options: CaptureOptions & { timeoutMs?: number } = {},
  ): Promise<string> {
    return this.waitForScreen((s) => s.includes(text), { ...options, what: JSON.stringify(text) });
  }

  /** Waits for `rt` to exit; resolves with its exit status. */
  async waitForExit(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<number> {
    const code = await poll(
      () => this.exitCode(),
      (code) => code !== null,
      async () =>
        `[${this.label}] rt did not exit within ${timeoutMs} ms\n${await this.describe()}`,
      timeoutMs,
    );
    return code!;
  }

  /** Waits until the bell has rung in the pane. */
  async waitForBell(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<void> {
    await poll(
      () => this.bellRang(),
      (rang) => rang,
      async () => `[${this.label}] no bell within ${timeoutMs} ms\n${await this.describe()}`,
      timeoutMs,
    );
  }

  /** Kills the tmux server (and with it `rt`, if still running), and removes its socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.tmux("kill-server");
    } catch {
      // Already gone.
    }
    if (this.#ownHome) await Deno.remove(this.#ownHome, { recursive: true }).catch(() => {});
    if (this.#socketPath) {
      try {
        await Deno.remove(this.#socketPath);
      } catch {
        // Removed already, or not ours to remove (tmux keeps it after kill-server).
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** No crash output (a Deno stack trace, an uncaught or internal error) anywhere on the screen. */
export async function assertNoCrash(terminal: Terminal): Promise<void> {
  const all = await terminal.screen({ history: true, join: true });
  assertOk(
    !/Uncaught|internal error|^error: |\n\s+at .*\.ts:\d+/m.test(all),
    `a crash on ${terminal.label}'s screen\n${await terminal.describe()}`,
  );
}
