/**
 * Which of the anchor tools are installed: a `which`-like lookup through `PATH` and the usual
 * sbin folders (`sshd` and `ngircd` live in /usr/sbin, often not on a user's `PATH`). A tool
 * that is not found is reported as missing (null), never replaced by something else.
 *
 * Needs --allow-read (and --allow-env=PATH to search `PATH`; without it only the standard
 * folders are searched).
 *
 * @module
 */

/** Absolute path of each tool, or null when it is not installed. */
export interface Tools {
  /** Debian's ngIRCd (package `ngircd`). */
  ngircd: string | null;
  /** OpenSSH's server (`openssh-server`). */
  sshd: string | null;
  /** OpenSSH's client, `ssh`, `scp` and `ssh-keygen` (`openssh-client`). */
  ssh: string | null;
  scp: string | null;
  sshKeygen: string | null;
  /** `socat`. */
  socat: string | null;
}

const STANDARD_DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

function searchPath(): string[] {
  let path = "";
  try {
    path = Deno.env.get("PATH") ?? "";
  } catch {
    // No --allow-env=PATH: the standard folders only.
  }
  return [...new Set([...path.split(":").filter((d) => d.startsWith("/")), ...STANDARD_DIRS])];
}

/** Absolute path of the executable `name`, or null. */
export function findTool(name: string): string | null {
  for (const dir of searchPath()) {
    const path = `${dir}/${name}`;
    try {
      const info = Deno.statSync(path);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return path;
    } catch {
      // Not there, or not readable: keep looking.
    }
  }
  return null;
}

/** Looks up every anchor tool. */
export function findTools(): Tools {
  return {
    ngircd: findTool("ngircd"),
    sshd: findTool("sshd"),
    ssh: findTool("ssh"),
    scp: findTool("scp"),
    sshKeygen: findTool("ssh-keygen"),
    socat: findTool("socat"),
  };
}

/** The names of the tools among `names` that are missing, for a `{ missing }` result. */
export function missingTools(tools: Tools, names: (keyof Tools)[]): string | null {
  const missing = names.filter((name) => tools[name] === null);
  return missing.length > 0 ? `not installed: ${missing.join(", ")}` : null;
}

/** The first line (matching `match`) a tool prints for its version on stdout or stderr. */
export async function toolVersion(path: string, args: string[], match = /\S/): Promise<string> {
  try {
    const { stdout, stderr } = await new Deno.Command(path, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout) + "\n" + new TextDecoder().decode(stderr);
    return text.split("\n").map((line) => line.trim()).find((line) => match.test(line)) ??
      "unknown";
  } catch {
    return "unknown";
  }
}
