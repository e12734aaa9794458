/** Where rt keeps its files, on each system, from the environment alone. */
import { join } from "node:path";
import { assertEquals } from "../assert.ts";
import { rtDirectory } from "../../lib/store/paths.ts";

function where(os: typeof Deno.build.os, vars: Record<string, string>): string | null {
  return rtDirectory({ os, env: (name) => vars[name] });
}

Deno.test("RT_HOME wins everywhere", () => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    assertEquals(where(os, { RT_HOME: "/srv/rt", HOME: "/home/a", APPDATA: "C:/A" }), "/srv/rt");
  }
});

Deno.test("Linux and other Unix systems: XDG_CONFIG_HOME, else ~/.config", () => {
  assertEquals(where("linux", { HOME: "/home/a" }), join("/home/a", ".config", "rt"));
  assertEquals(where("linux", { HOME: "/home/a", XDG_CONFIG_HOME: "/cfg" }), join("/cfg", "rt"));
  // The XDG specification ignores a relative path.
  assertEquals(
    where("freebsd", { HOME: "/home/a", XDG_CONFIG_HOME: "cfg" }),
    join("/home/a", ".config", "rt"),
  );
  assertEquals(where("linux", {}), null);
});

Deno.test("macOS: Application Support", () => {
  assertEquals(
    where("darwin", { HOME: "/Users/a", XDG_CONFIG_HOME: "/cfg" }),
    join("/Users/a", "Library", "Application Support", "rt"),
  );
});

Deno.test("Windows: %APPDATA%, else the profile's roaming folder, and no HOME needed", () => {
  assertEquals(
    where("windows", { APPDATA: "C:/Users/a/AppData/Roaming" }),
    join("C:/Users/a/AppData/Roaming", "rt"),
  );
  assertEquals(
    where("windows", { USERPROFILE: "C:/Users/a" }),
    join("C:/Users/a", "AppData", "Roaming", "rt"),
  );
  assertEquals(where("windows", { HOME: "/home/a" }), null);
});
