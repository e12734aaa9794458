/** The harness itself: failures say what was seen, and everything is cleaned up. */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { E2e, RtProcess } from "./harness.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { RtProcess as BenchProcess } from "../../bench/rt_process.ts";
import { netnsAvailable, NoNetwork, NsProcess, START_TASK } from "./netns.ts";
import { poll, Terminal } from "./tmux.ts";

Deno.test("waitFor fails with the events seen, on timeout and when the output ends", async () => {
  await using e2e = new E2e();
  const { process: host } = await e2e.host({ name: "hana" });
  await assertRejects(
    () => host.next("message", (e) => e.text === "never", { timeoutMs: 200 }),
    (e) =>
      e instanceof Error && e.message.includes("nothing matched within 200 ms") &&
      e.message.includes('"type":"listening"') && e.message.includes("[hana] running"),
  );
  await host.interrupt();
  assertEquals((await host.exit()).code, 0);
  await assertRejects(
    () => host.next("message"),
    (e) =>
      e instanceof Error && e.message.includes("output ended") &&
      e.message.includes('"type":"closed"') && e.message.includes("exited with code 0"),
  );
  // Already-seen events are found at once after the end.
  assertEquals((await host.next("closed")).reason, "you closed the room");
});

/**
 * The words of a running process's command line as the kernel holds it (read by `cat`: Deno
 * grants reading `/proc` only to a test allowed everything).
 */
async function commandLine(pid: number): Promise<string[]> {
  const { stdout, success } = await new Deno.Command("cat", { args: [`/proc/${pid}/cmdline`] })
    .output();
  assertOk(success, `cannot read the command line of ${pid}`);
  return new TextDecoder().decode(stdout).replace(/\0$/, "").split("\0");
}

Deno.test({
  name: "rt runs under the harness with exactly the compile task's flags and --cached-only",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // The compile task's flags, read here from deno.json on their own (not through the harness).
    const compile = denoJson.tasks.compile.command.split(/\s+/);
    const granted = compile.filter((word) =>
      /^--(allow|deny)-|^--no-prompt$|^--v8-flags=/.test(word)
    );
    assertOk(granted.includes("--allow-net") && granted.includes("--no-prompt"), compile.join(" "));
    await using e2e = new E2e();
    const { process: host } = await e2e.host({ name: "hana" });
    const argv = await commandLine(host.pid);
    assertEquals(argv[0], Deno.execPath());
    assertEquals(argv[1], "run");
    const main = argv.indexOf("main.ts");
    assertOk(main > 1, argv.join(" "));
    const flags = argv.slice(2, main);
    assertEquals(flags, ["--cached-only", ...granted]);
    for (const forbidden of ["-A", "--allow-all", "--allow-run", "--allow-ffi"]) {
      assertOk(
        !argv.some((word) => word === forbidden || word.startsWith(`${forbidden}=`)),
        forbidden,
      );
    }
    await host.interrupt();
    assertEquals((await host.exit()).code, 0);
  },
});

/**
 * The environment of a running process, as the kernel holds it (read by `cat`: Deno lets only
 * `--allow-all` read a process's environ).
 */
async function environment(pid: number): Promise<Record<string, string>> {
  const cat = new Deno.Command("cat", { args: [`/proc/${pid}/environ`], stderr: "inherit" });
  const raw = new TextDecoder().decode((await cat.output()).stdout);
  return Object.fromEntries(
    raw.split("\0").filter((entry) => entry !== "").map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** `env` without `keys`. */
function without(env: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !keys.includes(key)));
}

Deno.test({
  name: "rt gets one environment from the harness, the terminal, the namespaces and the benchmarks",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // Settings of the machine that runs the tests: no test's rt may see them.
    const machine: Record<string, string> = {
      RT_PROXY: "socks5://127.0.0.1:9",
      RT_TOR_PASSWORD: "the machine's",
      USER: "the-machine-user",
    };
    const saved = Object.keys(machine).map((key) => [key, Deno.env.get(key)] as const);
    for (const [key, value] of Object.entries(machine)) Deno.env.set(key, value);
    try {
      const args = ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--no-announce"];
      await using e2e = new E2e();
      const { process: host } = await e2e.host({ name: "hana", args: ["--no-announce"] });
      const harness = await environment(host.pid);
      assertEquals([harness.NO_COLOR, harness.RT_PASSWORD], ["1", "pw"]);
      assertOk(Deno.statSync(harness.RT_HOME!).isDirectory, harness.RT_HOME);
      for (const key of Object.keys(machine)) assertEquals(harness[key], undefined, key);

      await using terminal = await Terminal.open({
        label: "terminal",
        args: [...args, "--name", "hana"],
        env: { RT_PASSWORD: "pw" },
      });
      await terminal.waitForText("You are in the room as hana");
      const inTerminal = await environment(Number(await terminal.display("#{@rt_pid}")));
      assertEquals(without(inTerminal, "RT_HOME", "TERM"), without(harness, "RT_HOME"));

      if (netnsAvailable()) {
        await using offline = await NoNetwork.create();
        const ns = new NsProcess("ns", offline.namespace, [...args, "--name", "hana"], {
          password: "pw",
        });
        try {
          await ns.next("welcome");
          const inNamespace = await environment(ns.pid);
          assertEquals(without(inNamespace, "RT_HOME"), without(harness, "RT_HOME"));
          await ns.closeStdin();
          assertEquals(await ns.exit(), 0, ns.describe());
        } finally {
          await ns.dispose();
        }
      }

      // The benchmarks may not read their environment: their rt inherits it, and gets its own
      // settings over it.
      const benchHome = e2e.home();
      const bench = new BenchProcess("bench", [...args, "--name", "hana"], "pw", benchHome);
      try {
        const listening = await bench.next("listening", { timeoutMs: 15_000 });
        // Stamped as read, under the driver's index of the event.
        assertEquals(listening.event.type, "listening");
        assertOk(listening.at <= performance.now() && listening.event.port > 0);
        const inBench = await environment(bench.pid);
        assertEquals(
          [inBench.NO_COLOR, inBench.RT_PASSWORD, inBench.RT_HOME],
          ["1", "pw", benchHome],
        );
        assertEquals([inBench.RT_PROXY, inBench.RT_TOR_PASSWORD], ["", ""]);
      } finally {
        await bench.stop();
      }
    } finally {
      for (const [key, value] of saved) {
        if (value === undefined) Deno.env.delete(key);
        else Deno.env.set(key, value);
      }
    }
  },
});

/**
 * The living processes of a session (the driver starts each command as a session of its own);
 * a process killed but not yet reaped by its parent (a zombie, `Z`) is not living.
 */
async function living(id: number): Promise<string[]> {
  const ps = await new Deno.Command("ps", { args: ["-o", "pid=,stat=,args=", "--sid", `${id}`] })
    .output();
  return new TextDecoder().decode(ps.stdout).split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !/^\d+ Z/.test(l));
}

Deno.test({
  name: "dispose ends what the command started too: rt under deno task start",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const host = new RtProcess({
      label: "hana",
      args: ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--no-announce", "--name", "hana"],
      program: START_TASK,
      password: "pw",
    });
    let ended = false;
    try {
      await host.next("listening", undefined, { timeoutMs: 60_000 });
      // deno task, the task it runs (`rt`), and rt: the grandchild keeps the output open.
      const started = await living(host.pid);
      assertOk(started.length >= 3, started.join("\n"));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stuck = new Promise<false>((resolve) => timer = setTimeout(resolve, 30_000, false));
      ended = await Promise.race([host.dispose().then(() => true), stuck]);
      clearTimeout(timer);
      assertOk(ended, `dispose did not return\n${host.describe()}`);
      // Killed, they have closed the output; a moment more and they are gone.
      await poll(() => living(host.pid), (left) => left.length === 0, (left) => left.join("\n"));
    } finally {
      // When dispose is broken: end by hand what it left, so that this test ends.
      if (!ended) { for (const p of await living(host.pid)) Deno.kill(parseInt(p), "SIGKILL"); }
      await host.dispose();
    }
  },
});
