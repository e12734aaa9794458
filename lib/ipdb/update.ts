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

/** A description of a package is small: given up on after this long. */
const DESCRIPTION_TIMEOUT_MS = 30_000;
/** A package (about 20 MB) on a slow link: given up on after this long. */
const PACKAGE_TIMEOUT_MS = 10 * 60_000;

/** What to do when the registry cannot be reached or answers nonsense. */
const NEXT_STEP = "check that this computer is online and try again (or set RT_IPDB_REGISTRY " +
  "to a mirror of the npm registry); rt works without the database meanwhile";

/** The body of `url`, or a plain error that says what failed and what to do next. */
async function download(
  url: string,
  options: UpdateOptions,
  timeoutMs: number,
): Promise<Uint8Array> {
  const get = options.fetch ?? fetch;
  try {
    const response = await get(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new RtError("store", `${url} answered ${response.status}: ${NEXT_STEP}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (error instanceof RtError) throw error;
    const why = error instanceof DOMException && error.name === "TimeoutError"
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : reason(error);
    throw new RtError("connect-failed", `Could not download ${url} (${why}): ${NEXT_STEP}`, {
      cause: error,
    });
  }
}

/** A network error in a few plain words (Deno's repeat the URL and the layers of the client). */
function reason(error: unknown): string {
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const text = inner instanceof Error ? inner.message : String(inner);
  if (/dns error|lookup address/i.test(text)) return "its name could not be looked up";
  if (/connection refused/i.test(text)) return "the connection was refused";
  if (/timed out/i.test(text)) return "the connection timed out";
  return text.replace(/^error sending request for url \([^)]*\): /, "");
}

async function fetchPackage(name: string, options: UpdateOptions) {
  const registry = (options.registry ?? DEFAULT_REGISTRY).replace(/\/$/, "");
  const metaUrl = `${registry}/${name.replace("/", "%2f")}/latest`;
  options.log?.(`Fetching ${name} from ${metaUrl}`);
  const metaBytes = await download(metaUrl, options, DESCRIPTION_TIMEOUT_MS);
  let meta: { version?: unknown; license?: unknown; dist?: { tarball?: unknown } } | null;
  try {
    meta = JSON.parse(new TextDecoder().decode(metaBytes));
  } catch {
    meta = null;
  }
  const url = meta?.dist?.tarball;
  if (typeof url !== "string" || typeof meta?.version !== "string") {
    throw new RtError("store", `${metaUrl} did not describe a package: ${NEXT_STEP}`);
  }
  options.log?.(`Downloading ${name} ${meta.version} from ${url}`);
  const packed = await download(url, options, PACKAGE_TIMEOUT_MS);
  let files: { name: string; data: Uint8Array }[];
  try {
    files = readTar(await gunzip(packed));
  } catch (error) {
    throw new RtError("store", `${url} is not a package rt can read (${reason(error)})`, {
      cause: error,
    });
  }
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
