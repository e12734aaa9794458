/**
 * `rt ipdb update`: downloads a fresh copy of the IP database, only when the user asks. The
 * data comes from ip-location-db's packages on the npm registry; what was fetched, from where,
 * and under which licence is written beside it in `source.json`.
 *
 * @module
 */
import { join } from "node:path";
import { RtError } from "../errors.ts";
import { compileAsnTable } from "./asn_table.ts";
import { ASN_FILE, COUNTRY_FILE, SOURCE_FILE } from "./database.ts";
import { gunzip, readTar } from "./tar.ts";

/** Where the data comes from. */
export const DEFAULT_REGISTRY = "https://registry.npmjs.org";
const COUNTRY_PACKAGE = "@ip-location-db/geo-whois-asn-country-mmdb";
const ASN_PACKAGE = "@ip-location-db/asn";

/** One package fetched. */
export interface FetchedPackage {
  name: string;
  version: string;
  url: string;
  license: string;
}

/** Options of an update. */
export interface UpdateOptions {
  /** The registry to fetch from. Default: the npm registry. */
  registry?: string;
  /** Called with progress for people. */
  log?: (line: string) => void;
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch;
}

async function fetchPackage(name: string, options: UpdateOptions) {
  const registry = (options.registry ?? DEFAULT_REGISTRY).replace(/\/$/, "");
  const get = options.fetch ?? fetch;
  const metaUrl = `${registry}/${name.replace("/", "%2f")}/latest`;
  options.log?.(`Fetching ${name} from ${metaUrl}`);
  const metaResponse = await get(metaUrl);
  if (!metaResponse.ok) {
    await metaResponse.body?.cancel();
    throw new RtError("store", `${metaUrl} answered ${metaResponse.status}`);
  }
  const meta = await metaResponse.json();
  const url = meta?.dist?.tarball;
  if (typeof url !== "string" || typeof meta.version !== "string") {
    throw new RtError("store", `${metaUrl} did not describe a package`);
  }
  options.log?.(`Downloading ${name} ${meta.version} from ${url}`);
  const response = await get(url);
  if (!response.ok) {
    await response.body?.cancel();
    throw new RtError("store", `${url} answered ${response.status}`);
  }
  const files = readTar(await gunzip(new Uint8Array(await response.arrayBuffer())));
  const source: FetchedPackage = {
    name,
    version: meta.version,
    url,
    license: typeof meta.license === "string" ? meta.license : "see the package",
  };
  return { files, source };
}

function file(files: { name: string; data: Uint8Array }[], name: string): Uint8Array {
  const found = files.find((f) => f.name === `package/${name}`);
  if (!found) throw new RtError("store", `The package has no ${name}`);
  return found.data;
}

async function replace(path: string, data: Uint8Array): Promise<void> {
  await Deno.writeFile(`${path}.tmp`, data, { mode: 0o644 });
  await Deno.rename(`${path}.tmp`, path);
}

/** Downloads both packages into `folder`; returns what was fetched. */
export async function updateIpDatabase(
  folder: string,
  options: UpdateOptions = {},
): Promise<FetchedPackage[]> {
  await Deno.mkdir(folder, { recursive: true, mode: 0o700 });
  const country = await fetchPackage(COUNTRY_PACKAGE, options);
  const mmdb = file(country.files, "geo-whois-asn-country.mmdb");
  const asn = await fetchPackage(ASN_PACKAGE, options);
  options.log?.("Compiling the network-owner table");
  const decoder = new TextDecoder();
  const table = compileAsnTable(
    decoder.decode(file(asn.files, "asn-ipv4.csv")),
    decoder.decode(file(asn.files, "asn-ipv6.csv")),
  );
  await replace(join(folder, COUNTRY_FILE), mmdb);
  await replace(join(folder, ASN_FILE), table);
  const sources = [country.source, asn.source];
  await replace(
    join(folder, SOURCE_FILE),
    new TextEncoder().encode(
      JSON.stringify({ updated: new Date().toISOString(), packages: sources }, null, 2) + "\n",
    ),
  );
  return sources;
}
