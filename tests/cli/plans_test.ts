/**
 * The command line read into plans: every option of `rt` (host and join) and of each
 * subcommand reaches the plan, with its default when left out.
 */
import { assertEquals } from "../assert.ts";
import { type CliContext, parseCommandLine, type Plan } from "../../lib/cli/mod.ts";

const CHECKOUT: CliContext = { standalone: false };

/** The plan `args` give; fails when they give anything else. */
function plan(...args: string[]): Plan {
  const parsed = parseCommandLine(args, CHECKOUT);
  if (parsed.kind !== "plan") throw new Error(`rt ${args.join(" ")}: ${JSON.stringify(parsed)}`);
  return parsed.plan;
}

const NO_LIMITS = {
  maxMembers: undefined,
  maxPending: undefined,
  maxPendingPerAddress: undefined,
  messagesPerSecond: undefined,
  messageBurst: undefined,
};

Deno.test("rt alone hosts, with every default", () => {
  assertEquals(plan(), {
    kind: "host",
    json: false,
    handshakeTimeoutMs: 60_000,
    autoAcceptFrom: [],
    reconnect: true,
    limits: NO_LIMITS,
    reverseDns: true,
    announce: true,
    upnp: true,
    keepSeatsMs: 120_000,
  });
});

Deno.test("every option of a host reaches its plan", () => {
  assertEquals(
    plan(
      "--port=4000",
      "--bind",
      "127.0.0.1",
      "--name",
      "hana",
      "--password-file",
      "pw.txt",
      "--tor",
      "--tor-control",
      "[::1]:9151",
      "--tls-cert",
      "cert.pem",
      "--tls-key",
      "key.pem",
      "--json",
      "--downloads",
      "inbox",
      "--auto-accept-from",
      "ann",
      "--auto-accept-from",
      "bob",
      "--handshake-timeout",
      "5",
      "--max-members",
      "3",
      "--max-pending",
      "4",
      "--max-pending-per-address",
      "2",
      "--rate",
      "7",
      "--no-reverse-dns",
      "--no-announce",
      "--room",
      "  Hana's den ",
      "--no-upnp",
      "--keep-seats",
      "0",
    ),
    {
      kind: "host",
      json: true,
      name: "hana",
      passwordFile: "pw.txt",
      handshakeTimeoutMs: 5000,
      downloads: "inbox",
      autoAcceptFrom: ["ann", "bob"],
      reconnect: true,
      port: 4000,
      bind: "127.0.0.1",
      tls: { certFile: "cert.pem", keyFile: "key.pem" },
      tor: { host: "::1", port: 9151 },
      limits: {
        maxMembers: 3,
        maxPending: 4,
        maxPendingPerAddress: 2,
        messagesPerSecond: 7,
        messageBurst: 21,
      },
      reverseDns: false,
      announce: false,
      roomName: "Hana's den",
      upnp: false,
      keepSeatsMs: 0,
    },
  );
});

Deno.test("short options are the long ones", () => {
  assertEquals(
    plan("-p", "0", "-b", "::", "-n", "hana"),
    plan("--port", "0", "--bind=::", "--name=hana"),
  );
  const host = plan("-p", "65535", "-b", "::", "-n", "hana");
  assertEquals([host.kind, "port" in host && host.port], ["host", 65535]);
});

Deno.test("a slow rate still allows a burst of ten; Tor's control port has a default", () => {
  const host = plan("--rate", "1", "--tor");
  if (host.kind !== "host") throw new Error(host.kind);
  assertEquals(host.limits.messageBurst, 10);
  assertEquals(host.tor, { host: "127.0.0.1", port: 9051 });
  const named = plan("--tor", "--tor-control", "localhost:9151");
  assertEquals("tor" in named && named.tor, { host: "localhost", port: 9151 });
  // Without --tor, --tor-control changes nothing (and is not checked).
  assertEquals(plan("--tor-control", "nonsense"), plan());
});

Deno.test("an address and a port join, written any of the documented ways", () => {
  const join = {
    kind: "join",
    json: false,
    handshakeTimeoutMs: 60_000,
    autoAcceptFrom: [],
    reconnect: true,
    target: { host: "192.168.1.23", port: 41234 },
  };
  assertEquals(plan("192.168.1.23", "41234"), join);
  assertEquals(plan("192.168.1.23:41234"), join);
  assertEquals(plan("[2001:db8::5]:41234"), {
    ...join,
    target: { host: "2001:db8::5", port: 41234 },
  });
  // `rt rt 4000`: a host called "rt", not the word rt pasted.
  assertEquals(plan("rt", "4000"), { ...join, target: { host: "rt", port: 4000 } });
  // What only a host uses is left out of a join.
  assertEquals(
    plan("-p", "9", "--no-upnp", "--rate", "3", "--keep-seats", "5", "192.168.1.23", "41234"),
    join,
  );
});

Deno.test("every option of a joiner reaches its plan", () => {
  assertEquals(
    plan(
      "-n",
      "ivan",
      "--password-file",
      "pw",
      "--json",
      "--downloads",
      "in",
      "--auto-accept-from",
      "hana",
      "--handshake-timeout",
      "3600",
      "--tls",
      "--ca",
      "ca.pem",
      "--proxy",
      "socks5://tor@[::1]:9050",
      "--no-reconnect",
      "example.org",
      "443",
    ),
    {
      kind: "join",
      json: true,
      name: "ivan",
      passwordFile: "pw",
      handshakeTimeoutMs: 3_600_000,
      downloads: "in",
      autoAcceptFrom: ["hana"],
      reconnect: false,
      target: { host: "example.org", port: 443 },
      proxy: { host: "::1", port: 9050, username: "tor" },
      tls: { caFile: "ca.pem" },
    },
  );
  const tls = plan("--tls", "example.org:443");
  assertEquals("tls" in tls && tls.tls, {});
  const proxied = plan("--proxy", "socks5h://127.0.0.1", "example.org:443");
  assertEquals("proxy" in proxied && proxied.proxy, { host: "127.0.0.1", port: 1080 });
});

Deno.test("rt find: its defaults, its options, and rt's options given before it", () => {
  const find = {
    kind: "find",
    json: false,
    waitSeconds: 2,
    handshakeTimeoutMs: 60_000,
    autoAcceptFrom: [],
    reconnect: true,
  };
  assertEquals(plan("find"), find);
  assertEquals(plan("find", "--wait", "60", "-n", "ivan", "--password-file", "pw", "--json"), {
    ...find,
    json: true,
    waitSeconds: 60,
    name: "ivan",
    passwordFile: "pw",
  });
  assertEquals(
    plan(
      "--json",
      "--downloads",
      "in",
      "--auto-accept-from",
      "hana",
      "--handshake-timeout",
      "9",
      "find",
    ),
    { ...find, json: true, downloads: "in", autoAcceptFrom: ["hana"], handshakeTimeoutMs: 9000 },
  );
  // Find has its own --name and --password-file: rt's, before it, are not find's.
  assertEquals(plan("--name", "ivan", "--password-file", "pw", "find"), find);
});

Deno.test("rt id, rt peers, rt ipdb", () => {
  assertEquals(plan("id"), { kind: "id", json: false });
  assertEquals(plan("id", "--json"), { kind: "id", json: true });
  // --json before the subcommand is rt's (for a room), not id's.
  assertEquals(plan("--json", "id"), { kind: "id", json: false });
  assertEquals(plan("peers"), { kind: "peers", json: false });
  assertEquals(plan("peers", "--json"), { kind: "peers", json: true });
  assertEquals(plan("peers", "forget", "bob"), { kind: "peers", json: false, forget: "bob" });
  assertEquals(plan("peers", "forget", "bob", "--json"), {
    kind: "peers",
    json: true,
    forget: "bob",
  });
  assertEquals(plan("ipdb"), { kind: "ipdb", update: false });
  assertEquals(plan("ipdb", "update"), { kind: "ipdb", update: true });
});

Deno.test("each command line is read afresh: nothing is left from the one before", () => {
  assertEquals(plan("--auto-accept-from", "ann"), plan("--auto-accept-from", "ann"));
  assertEquals(plan("id", "--json"), { kind: "id", json: true });
  assertEquals(plan("id"), { kind: "id", json: false });
  assertEquals(plan(), plan());
});
