import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { AsnTable, compileAsnTable, csvFields } from "../../lib/ipdb/asn_table.ts";
import { gunzip, readTar } from "../../lib/ipdb/tar.ts";
import { isSpecialAddress, openIpDatabase, SOURCE_FILE } from "../../lib/ipdb/database.ts";
import { updateIpDatabase } from "../../lib/ipdb/update.ts";
import { RtError } from "../../lib/errors.ts";
import { addressDescriber, formatAddressInfo, reverseName } from "../../lib/host/address_info.ts";
import { join } from "node:path";

const IPV4 = [
  '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
  "8.8.8.0,8.8.8.255,15169,Google LLC",
  '203.0.113.0,203.0.113.255,64500,"Example ""Quoted"" Net"',
].join("\n");
const IPV6 = "2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,64501,Documentation Six\n";

Deno.test("CSV fields keep quoted commas and quotes", () => {
  assertEquals(csvFields('a,"b, c",d'), ["a", "b, c", "d"]);
  assertEquals(csvFields('"say ""hi""",2'), ['say "hi"', "2"]);
  assertEquals(csvFields("x,,y"), ["x", "", "y"]);
});

Deno.test("the AS table finds owners of IPv4 and IPv6 ranges, and nothing elsewhere", () => {
  const table = new AsnTable(compileAsnTable(IPV4 + "\nnot,a,line\n", IPV6));
  assertEquals(table.size, 4);
  assertEquals(table.lookup("1.0.0.7"), { asn: 13335, asName: "Cloudflare, Inc." });
  assertEquals(table.lookup("8.8.8.8"), { asn: 15169, asName: "Google LLC" });
  assertEquals(table.lookup("203.0.113.255")?.asName, 'Example "Quoted" Net');
  assertEquals(table.lookup("2001:db8:0:42::1"), { asn: 64501, asName: "Documentation Six" });
  for (const miss of ["1.0.1.0", "0.0.0.1", "255.255.255.255", "2001:db9::1", "junk"]) {
    assertEquals(table.lookup(miss), null, miss);
  }
  let refused = false;
  try {
    new AsnTable(new Uint8Array(30));
  } catch {
    refused = true;
  }
  assertOk(refused, "a file that is not a table is refused");
});

Deno.test("special addresses are never looked up", () => {
  for (
    const a of [
      "10.1.2.3",
      "192.168.1.1",
      "172.20.0.1",
      "127.0.0.1",
      "169.254.1.1",
      "100.64.0.1",
      "::1",
      "fe80::1",
      "fd00::2",
      "ff02::1",
    ]
  ) {
    assertOk(isSpecialAddress(a), a);
  }
  for (const a of ["8.8.8.8", "203.0.113.9", "2001:db8::1", "172.32.0.1"]) {
    assertOk(!isSpecialAddress(a), a);
  }
});

Deno.test("reverse names and the notice suffix", () => {
  assertEquals(reverseName("203.0.113.9"), "9.113.0.203.in-addr.arpa");
  assertEquals(
    reverseName("2001:db8::1"),
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
  );
  assertEquals(
    formatAddressInfo({ reverse: "h.example", country: "DE", asn: 3320, asName: "DTAG" }),
    "h.example, DE, AS3320 DTAG",
  );
  assertEquals(formatAddressInfo({}), "");
});

Deno.test("loopback is described without any lookup", async () => {
  const describe = addressDescriber({ reverse: true });
  assertEquals(await describe("127.0.0.1"), { reverse: "localhost" });
});

function tarFile(name: string, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  header.set(new TextEncoder().encode(name), 0);
  header.set(new TextEncoder().encode(data.length.toString(8).padStart(11, "0")), 124);
  header[156] = "0".charCodeAt(0);
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  const out = new Uint8Array(512 + padded.length);
  out.set(header);
  out.set(padded, 512);
  return out;
}

async function tgz(files: Record<string, string>): Promise<Uint8Array> {
  const parts = Object.entries(files).map(([n, t]) => tarFile(n, new TextEncoder().encode(t)));
  const tar = new Uint8Array([...parts.flatMap((p) => [...p]), ...new Uint8Array(1024)]);
  const stream = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("tar archives are read, and bad ones refused", async () => {
  const files = readTar(await gunzip(await tgz({ "package/a.txt": "hello", "package/b": "" })));
  assertEquals(files.map((f) => [f.name, new TextDecoder().decode(f.data)]), [
    ["package/a.txt", "hello"],
    ["package/b", ""],
  ]);
  const broken = tarFile("x", new Uint8Array(600)).slice(0, 700);
  let refused = false;
  try {
    readTar(broken);
  } catch {
    refused = true;
  }
  assertOk(refused);
});

/** npm's `dist.integrity` of `bytes`: `sha512-` and the SHA-512 in base64 (SRI). */
async function integrity(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", bytes as BufferSource));
  return `sha512-${btoa(String.fromCharCode(...digest))}`;
}

/** The two packages as the registry would have them (small stand-ins). */
async function standIns(): Promise<Record<string, Uint8Array>> {
  return {
    "geo-whois-asn-country-mmdb": await tgz({
      "package/geo-whois-asn-country.mmdb": "not a real mmdb",
    }),
    "asn": await tgz({ "package/asn-ipv4.csv": IPV4, "package/asn-ipv6.csv": IPV6 }),
  };
}

/**
 * An npm registry on loopback serving `packages`; `describe` may change what the description
 * says (e.g. a wrong integrity), `tarball` what is served as a tarball.
 */
function registry(
  packages: Record<string, Uint8Array>,
  options: {
    describe?: (name: string, dist: Record<string, unknown>) => Record<string, unknown>;
    tarball?: (name: string) => BodyInit;
  } = {},
) {
  const requests: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      requests.push(url.pathname);
      const meta = /^\/@ip-location-db%2f([a-z-]+)\/latest$/.exec(url.pathname);
      if (meta && packages[meta[1]!]) {
        const dist = {
          tarball: `${url.origin}/tarballs/${meta[1]}.tgz`,
          integrity: await integrity(packages[meta[1]!]!),
        };
        return Response.json({
          version: "9.9.9",
          license: "CC0-1.0",
          dist: options.describe?.(meta[1]!, dist) ?? dist,
        });
      }
      const tarball = /^\/tarballs\/([a-z-]+)\.tgz$/.exec(url.pathname);
      if (tarball && packages[tarball[1]!]) {
        return new Response(
          options.tarball?.(tarball[1]!) ?? packages[tarball[1]!] as BodyInit,
        );
      }
      return new Response("no", { status: 404 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** `updateIpDatabase` into a fresh folder; the error it fails with, and what it left there. */
async function failedUpdate(
  options: Parameters<typeof updateIpDatabase>[1],
): Promise<{ error: RtError; left: string[] }> {
  const folder = await Deno.makeTempDir({ prefix: "rt-ipdb-" });
  try {
    const error = await updateIpDatabase(folder, options).then(() => null, (e) => e);
    assertOk(error instanceof RtError, `the update should have failed (${error})`);
    const left = (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name);
    return { error, left };
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("a tarball that does not match the description's integrity is refused", async () => {
  const packages = await standIns();
  // What a tampering mirror or cache would serve: another package under the same name.
  await using tampered = registry(packages, {
    tarball: (name) =>
      (name === "asn" ? packages["geo-whois-asn-country-mmdb"]! : packages[name]!) as BodyInit,
  });
  const { error, left } = await failedUpdate({ registry: tampered.url });
  assertOk(/integrity/i.test(error.message) && error.message.includes("asn"), error.message);
  assertEquals(left, [], "nothing was written");
  // A description without one, or with only a weaker hash, is refused too.
  for (
    const dist of [
      (d: Record<string, unknown>) => ({ tarball: d.tarball }),
      (d: Record<string, unknown>) => ({ tarball: d.tarball, shasum: "0".repeat(40) }),
      (d: Record<string, unknown>) => ({ tarball: d.tarball, integrity: "sha1-AAAA" }),
      (d: Record<string, unknown>) => ({ ...d, integrity: "sha512-" + "A".repeat(86) + "==" }),
    ]
  ) {
    await using bare = registry(packages, { describe: (_, d) => dist(d) });
    const { error, left } = await failedUpdate({ registry: bare.url });
    assertOk(/integrity/i.test(error.message), error.message);
    assertEquals(left, []);
    assertEquals(bare.requests.filter((r) => r.startsWith("/tarballs/")).length, 1);
  }
});

Deno.test("a tarball URL that is not http(s) is refused unread", async () => {
  const packages = await standIns();
  await using odd = registry(packages, {
    describe: (_, d) => ({ ...d, tarball: "file:///etc/passwd" }),
  });
  const { error } = await failedUpdate({ registry: odd.url });
  assertOk(error.message.includes("will not fetch (file:///etc/passwd)"), error.message);
});

Deno.test("a download larger than the cap is cut off and refused", async () => {
  const packages = await standIns();
  let served = 0;
  // Endless, as far as a reader without a cap can tell (it ends after 32 MiB).
  await using endless = registry(packages, {
    tarball: () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (served >= 32 * 1024 * 1024) return controller.close();
          served += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024));
        },
      }),
  });
  const { error, left } = await failedUpdate({
    registry: endless.url,
    maxDownloadBytes: 1024 * 1024,
  });
  assertOk(/larger than 1 MB/.test(error.message), error.message);
  assertOk(served < 16 * 1024 * 1024, `${served} bytes were sent`);
  assertEquals(left, []);
});

Deno.test("a package that unpacks to more than the cap is refused (a gzip bomb)", async () => {
  const packages = await standIns();
  // 3 MiB of zeros in the tar: a few kilobytes once compressed, with the right integrity.
  packages["asn"] = await tgz({
    "package/asn-ipv4.csv": IPV4,
    "package/asn-ipv6.csv": IPV6,
    "package/padding": "\0".repeat(3 * 1024 * 1024),
  });
  assertOk(packages["asn"].length < 64 * 1024);
  await using bomb = registry(packages);
  const { error, left } = await failedUpdate({
    registry: bomb.url,
    maxUnpackedBytes: 2 * 1000 * 1000,
  });
  assertOk(/unpacks to more than 2 MB/.test(error.message), error.message);
  assertEquals(left, []);
});

Deno.test("rt ipdb update fetches from the registry it is given, and only then", async () => {
  await using server = registry(await standIns());
  const requests = server.requests;
  const folder = await Deno.makeTempDir({ prefix: "rt-ipdb-" });
  try {
    assertEquals(await openIpDatabase(folder), null, "nothing before an update");
    const registry = server.url;
    const lines: string[] = [];
    const fetched = await updateIpDatabase(folder, { registry, log: (l) => lines.push(l) });
    assertEquals(fetched.map((p) => p.version), ["9.9.9", "9.9.9"]);
    assertOk(lines.some((l) => l.includes(registry)), "it says where from");
    assertEquals(requests.length, 4);
    const source = JSON.parse(await Deno.readTextFile(join(folder, SOURCE_FILE)));
    assertEquals(source.packages.length, 2);
    const db = await openIpDatabase(folder);
    assertOk(db);
    assertEquals(db.lookup("8.8.8.8"), { asn: 15169, asName: "Google LLC" });
    assertEquals(db.lookup("192.168.1.1"), {});
    const described = await addressDescriber({ reverse: false, ipdb: db })("203.0.113.5");
    assertEquals(described.asn, 64500);
    await assertRejects(() => updateIpDatabase(folder, { registry: `${registry}/missing` }));
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
