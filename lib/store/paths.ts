/**
 * Where rt keeps its files: `RT_HOME` when set; otherwise the platform's usual place for
 * application settings (XDG on Linux and other Unix systems).
 *
 * @module
 */
import { join } from "node:path";

/** What the location depends on. */
export interface PathEnvironment {
  os: typeof Deno.build.os;
  env: (name: string) => string | undefined;
}

/** rt's folder, or `null` when no home can be found. */
export function rtDirectory(environment: PathEnvironment): string | null {
  const { os, env } = environment;
  const explicit = env("RT_HOME");
  if (explicit) return explicit;
  if (os === "windows") {
    const appData = env("APPDATA");
    if (appData) return join(appData, "rt");
    const profile = env("USERPROFILE");
    return profile ? join(profile, "AppData", "Roaming", "rt") : null;
  }
  const home = env("HOME");
  if (os === "darwin") return home ? join(home, "Library", "Application Support", "rt") : null;
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg && xdg.startsWith("/")) return join(xdg, "rt");
  return home ? join(home, ".config", "rt") : null;
}
