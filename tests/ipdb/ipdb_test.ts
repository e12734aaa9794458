import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { AsnTable, compileAsnTable, csvFields } from "../../lib/ipdb/asn_table.ts";
import { gunzip, readTar } from "../../lib/ipdb/tar.ts";
import { isSpecialAddress, openIpDatabase, SOURCE_FILE } from "../../lib/ipdb/database.ts";
import { updateIpDatabase } from "../../lib/ipdb/update.ts";
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

Deno.test("rt ipdb update fetches from the registry it is given, and only then", async () => {
  const packages: Record<string, Uint8Array> = {
    "geo-whois-asn-country-mmdb": await tgz({
      "package/geo-whois-asn-country.mmdb": "not a real mmdb",
    }),
    "asn": await tgz({ "package/asn-ipv4.csv": IPV4, "package/asn-ipv6.csv": IPV6 }),
  };
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url.pathname);
    const meta = /^\/@ip-location-db%2f([a-z-]+)\/latest$/.exec(url.pathname);
    if (meta && packages[meta[1]!]) {
      return Response.json({
        version: "9.9.9",
        license: "CC0-1.0",
        dist: { tarball: `${url.origin}/tarballs/${meta[1]}.tgz` },
      });
    }
    const tarball = /^\/tarballs\/([a-z-]+)\.tgz$/.exec(url.pathname);
    if (tarball && packages[tarball[1]!]) return new Response(packages[tarball[1]!] as BodyInit);
    return new Response("no", { status: 404 });
  });
  const folder = await Deno.makeTempDir({ prefix: "rt-ipdb-" });
  try {
    assertEquals(await openIpDatabase(folder), null, "nothing before an update");
    const registry = `http://127.0.0.1:${server.addr.port}`;
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
    await server.shutdown();
    await Deno.remove(folder, { recursive: true });
  }
});
