/**
 * What rt reads of its environment besides the command line: the login name, the home folder,
 * and a proxy given in RT_PROXY.
 *
 * @module
 */
import { checkName } from "../room/mod.ts";
import { parseProxyUrl, type Socks5Proxy } from "../transport/mod.ts";

/** The name to suggest in a room: the login name when a room would take it, else "guest". */
export function loginName(): string {
  for (const variable of ["USER", "USERNAME", "LOGNAME"]) {
    const value = Deno.env.get(variable);
    if (value && !("refused" in checkName(value))) return value;
  }
  return "guest";
}

/** The home folder, for `~` in paths; none when unset (or not readable). */
export function homeFolder(): string | undefined {
  for (const name of ["HOME", "USERPROFILE"]) {
    try {
      const value = Deno.env.get(name);
      if (value) return value;
    } catch {
      // Not allowed to read it.
    }
  }
  return undefined;
}

/** The proxy in RT_PROXY (where its password may go, unlike `--proxy`), if any. */
export function proxyFromEnvironment(): Socks5Proxy | undefined {
  const fromEnv = Deno.env.get("RT_PROXY");
  return fromEnv ? parseProxyUrl(fromEnv) : undefined;
}
