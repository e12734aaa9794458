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

Deno.test("each layout needs only its own variables, and ignores empty ones", () => {
  // An empty RT_HOME or XDG_CONFIG_HOME is as good as none.
  assertEquals(where("linux", { RT_HOME: "", HOME: "/home/a" }), join("/home/a", ".config", "rt"));
  assertEquals(
    where("linux", { HOME: "/home/a", XDG_CONFIG_HOME: "" }),
    join("/home/a", ".config", "rt"),
  );
  // XDG alone is enough on Linux; macOS needs HOME; Windows prefers APPDATA to the profile.
  assertEquals(where("linux", { XDG_CONFIG_HOME: "/cfg" }), join("/cfg", "rt"));
  assertEquals(where("darwin", { XDG_CONFIG_HOME: "/cfg", APPDATA: "C:/A" }), null);
  assertEquals(
    where("windows", { APPDATA: "D:/Roaming", USERPROFILE: "C:/Users/a", HOME: "/home/a" }),
    join("D:/Roaming", "rt"),
  );
  assertEquals(where("windows", { XDG_CONFIG_HOME: "/cfg" }), null);
  // Other Unix systems follow XDG like Linux.
  for (const os of ["android", "freebsd", "netbsd", "solaris", "illumos", "aix"] as const) {
    assertEquals(where(os, { HOME: "/home/a", XDG_CONFIG_HOME: "/cfg" }), join("/cfg", "rt"), os);
  }
});
