/**
 * rt over IPv6, end to end: a join over the IPv6 loopback (`::1`), and the host's ban of a
 * member who joined from an IPv6 address keeping out the rest of that address's /64 (the unit
 * rt blocks by: one home or one machine usually gets a whole /64), in network namespaces.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { Lan, netnsAvailable, NsProcess } from "./netns.ts";
import { hasIpv6Loopback } from "../ipv6_loopback.ts";

Deno.test({
  name: "joining over IPv6 loopback (::1), as ADDRESS PORT and as [ADDRESS]:PORT",
  ignore: !hasIpv6Loopback(),
  fn: async () => {
    await using e2e = new E2e();
    const host = e2e.spawn(
      "hana",
      ["--bind", "::1", "--port", "0", "--no-upnp", "--name", "hana"],
      {
        password: "pw",
      },
    );
    const { port } = await host.next("listening");
    await host.next("welcome", (e) => e.name === "hana" && e.host);
    const ivan = e2e.spawn("ivan", ["::1", String(port), "--name", "ivan"], { password: "pw" });
    const olga = e2e.spawn("olga", [`[::1]:${port}`, "--name", "olga"], { password: "pw" });
    await ivan.next("welcome");
    await olga.next("welcome");
    await ivan.type("hello over IPv6");
    await host.next("message", (e) => e.from === "ivan" && e.text === "hello over IPv6");
    await olga.next("message", (e) => e.from === "ivan" && e.text === "hello over IPv6");
    // The host sees where each came from: the IPv6 loopback, not 127.0.0.1.
    for (const name of ["ivan", "olga"]) {
      await host.type(`/whois ${name}`);
      assertEquals((await host.next("whois", (e) => e.name === name)).address, "::1");
    }
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0, host.describe());
    await ivan.next("closed");
    await olga.next("closed");
  },
});

const decoder = new TextDecoder();

async function ip(...args: string[]): Promise<string> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`ip ${args.join(" ")}: ${decoder.decode(out.stderr)}`);
  return decoder.decode(out.stdout);
}

/** The namespace's link onto the LAN's bridge (its one interface besides loopback). */
async function lanLink(namespace: string): Promise<string> {
  const names = (await ip("-n", namespace, "-o", "link", "show")).split("\n")
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1]).filter((name) => name && name !== "lo");
  assertEquals(names.length, 1, names.join(" "));
  return names[0]!;
}

/**
 * Gives namespace `i` of `lan` the IPv6 address `address` (on the link, /64), and routes to
 * the other /64s named, which are on the same link.
 */
async function addIpv6(lan: Lan, i: number, address: string, onLink: string[] = []) {
  const ns = lan.namespaces[i]!;
  const link = await lanLink(ns);
  // nodad: usable at once, rather than after duplicate address detection.
  await ip("-n", ns, "-6", "addr", "add", `${address}/64`, "dev", link, "nodad");
  for (const prefix of onLink) await ip("-n", ns, "-6", "route", "add", prefix, "dev", link);
}

const HOST = "fd15:0:0:2::1";
const SAME_64 = ["fd15:0:0:2::a", "fd15:0:0:2:ffff:ffff:ffff:fffe"];
const OTHER_64 = "fd15:0:0:3::c";

Deno.test({
  name: "the host's ban of a member on IPv6 keeps out another address of the same /64, not others",
  ignore: !netnsAvailable(),
  fn: async () => {
    await using lan = await Lan.create(4);
    await addIpv6(lan, 0, HOST, ["fd15:0:0:3::/64"]);
    await addIpv6(lan, 1, SAME_64[0]!);
    await addIpv6(lan, 2, SAME_64[1]!);
    await addIpv6(lan, 3, OTHER_64, ["fd15:0:0:2::/64"]);
    const processes: NsProcess[] = [];
    const rt = (label: string, i: number, args: string[]) => {
      const p = new NsProcess(label, lan.namespaces[i]!, args, { password: "pw" });
      processes.push(p);
      return p;
    };
    try {
      const host = rt("hana", 0, [
        "--port",
        "0",
        "--no-upnp",
        "--no-reverse-dns",
        "--name",
        "hana",
      ]);
      const { port } = await host.next("listening");
      await host.next("welcome", (e) => e.host);
      const join = (label: string, i: number) =>
        rt(label, i, [HOST, String(port), "--name", label]);

      const mallory = join("mallory", 1);
      await mallory.next("welcome");
      await host.type("/whois mallory");
      const seen = await host.next("whois", (e) => e.name === "mallory");
      assertEquals(seen.address, SAME_64[0], "mallory joined over IPv6, from her own address");
      await host.type("/ban mallory");
      await host.next("notice", (e) => e.code === "banned");
      await mallory.next("closed");
      await host.type("/blocked");
      const blocked = await host.next("blocked");
      assertOk(
        blocked.entries.some((e) => e.address === "fd15:0:0:2::/64"),
        JSON.stringify(blocked.entries),
      );

      // Another computer of hers, another key, another address in the same /64: kept out.
      const again = join("mel", 2);
      const refused = await again.next("error");
      assertEquals(refused.code, "blocked", again.describe());
      assertEquals(again.events.filter((e) => e.type === "welcome").length, 0);

      // Someone in the next /64 is not.
      const neighbour = join("nina", 3);
      await neighbour.next("welcome");
      await host.type("/whois nina");
      assertEquals((await host.next("whois", (e) => e.name === "nina")).address, OTHER_64);

      await host.closeStdin();
      assertEquals(await host.exit(), 0, host.describe());
    } finally {
      for (const p of processes) await p.dispose();
    }
  },
});
