/**
 * Once installed, rt needs no network to start: run as the README says (`deno task start`,
 * which installs the locked dependencies first) on a computer with no network at all (a
 * namespace with only loopback), it starts, hosts, lets someone join over loopback, and
 * prints nothing on stderr: no registry contacted, no `Download` line. The same for `rt` put
 * on the PATH by `deno task install`, which pins every npm package (indirect ones too) at the
 * version in the checkout's `deno.lock` and leaves that file alone. Needs root and iproute2,
 * like the LAN tests.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { childEnv, ROOT } from "./harness.ts";
import { netnsAvailable, NoNetwork, NsProcess, START_TASK } from "./netns.ts";

/** Asserts an empty stderr, showing everything the process printed when not. */
function quiet(process: NsProcess): void {
  assertEquals(process.stderr, "", process.describe());
}

/** The `npm` section of a `deno.lock`: each package@version (with its peers), to its integrity. */
function npmPins(lockText: string): Record<string, string> {
  const lock = JSON.parse(lockText) as { npm?: Record<string, { integrity?: string }> };
  return Object.fromEntries(
    Object.entries(lock.npm ?? {}).map(([key, p]) => [key, p.integrity ?? ""]),
  );
}

Deno.test({
  name: "offline: deno task start runs, hosts and is joined with no network, stderr empty",
  ignore: !netnsAvailable(),
}, async () => {
  await using offline = await NoNetwork.create();
  const ns = offline.namespace;
  const version = new NsProcess("version", ns, ["--version"], { json: false, program: START_TASK });
  try {
    assertEquals(await version.exit(), 0, version.describe());
  } finally {
    await version.dispose();
  }
  quiet(version);

  // A host as a person starts one (UPnP and LAN announcements on: there is nothing to find).
  const host = new NsProcess("hana", ns, ["--name", "hana"], {
    password: "pw",
    program: START_TASK,
  });
  const bob = { process: null as NsProcess | null };
  try {
    const { port } = await host.next("listening");
    bob.process = new NsProcess("bob", ns, ["127.0.0.1", String(port), "--name", "bob"], {
      password: "pw",
      program: START_TASK,
    });
    await bob.process.next("welcome", (e) => e.name === "bob");
    await bob.process.type("no network needed");
    await host.next("message", (e) => e.text === "no network needed");
    await bob.process.closeStdin();
    assertEquals(await bob.process.exit(), 0, bob.process.describe());
    await host.closeStdin();
    assertEquals(await host.exit(), 0, host.describe());
    quiet(bob.process);
    quiet(host);
  } finally {
    await bob.process?.dispose();
    await host.dispose();
  }
});

Deno.test({
  name: "offline: rt put on the PATH by deno task install starts with no network, stderr empty",
  ignore: !netnsAvailable(),
}, async () => {
  await using offline = await NoNetwork.create();
  const root = await Deno.makeTempDir({ prefix: "rt-install-root-" });
  const projectLock = new URL("deno.lock", ROOT);
  const projectLockBefore = await Deno.readFile(projectLock);
  try {
    // Installing may fetch what Deno's cache lacks (the descriptions of indirect npm packages,
    // which deno install --frozen does not keep): once, here, with the network.
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "install"],
      cwd: ROOT,
      env: { ...childEnv(), DENO_INSTALL_ROOT: root },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assertOk(
      install.success,
      `deno task install failed:\n${decoder.decode(install.stdout)}${
        decoder.decode(install.stderr)
      }`,
    );
    // The checkout's deno.lock is the truth, never rewritten on the way (deno install --global
    // adds a `links` section to a lockfile it is given).
    assertEquals(
      await Deno.readFile(projectLock),
      projectLockBefore,
      "deno task install changed the checkout's deno.lock",
    );
    // The installed rt runs with its own copy of deno.json, and the lockfile beside it: every npm
    // package in it, direct or indirect, at exactly the version (and integrity) of deno.lock.
    // (deno install --global left alone resolves indirect packages from the registry anew.)
    const installedLock = `${root}/bin/.rt/deno.lock`;
    const installedLockText = await Deno.readTextFile(installedLock);
    assertEquals(
      npmPins(installedLockText),
      npmPins(decoder.decode(projectLockBefore)),
      `${installedLock} pins other npm packages than deno.lock`,
    );
    const shim = `${root}/bin/rt${Deno.build.os === "windows" ? ".cmd" : ""}`;
    // Then it starts with no network at all.
    for (const args of [["--version"], ["id", "--json"]]) {
      const rt = new NsProcess(`rt ${args.join(" ")}`, offline.namespace, args, {
        json: false,
        program: [shim],
      });
      assertEquals(await rt.exit(), 0, rt.describe());
      quiet(rt);
      assertOk(rt.stdout.trim() !== "", rt.describe());
    }
    // Nothing was resolved anew when it ran: its lockfile is as installed.
    assertEquals(await Deno.readTextFile(installedLock), installedLockText, installedLock);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
