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
import { gunzip, readTar, TooLargeError } from "./tar.ts";
import { concatAll, describeError } from "../util/mod.ts";

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
  /** Largest package download accepted, in bytes. Default: {@link MAX_DOWNLOAD_BYTES}. */
  maxDownloadBytes?: number;
  /** Largest unpacked package accepted, in bytes. Default: {@link MAX_UNPACKED_BYTES}. */
  maxUnpackedBytes?: number;
}

/**
 * The largest package rt downloads: 100 MB. The larger of the two, `@ip-location-db/asn`, is
 * about 19 MB packed (the other about 8 MB): room for years of growth, and a bound on what a
 * mirror or a proxy gone wrong can make rt hold in memory.
 */
export const MAX_DOWNLOAD_BYTES = 100 * 1000 * 1000;
/**
 * The largest unpacked package rt reads: 300 MB. `@ip-location-db/asn` unpacks to about
 * 66 MB (the other to about 16 MB); gzip can pack gigabytes of zeros into a few megabytes.
 */
export const MAX_UNPACKED_BYTES = 300 * 1000 * 1000;
/** A package description (`/latest`) is a few kilobytes. */
const MAX_DESCRIPTION_BYTES = 1000 * 1000;

/** A description of a package is small: given up on after this long. */
const DESCRIPTION_TIMEOUT_MS = 30_000;
/** A package (about 20 MB) on a slow link: given up on after this long. */
const PACKAGE_TIMEOUT_MS = 10 * 60_000;

/** What to do when the registry cannot be reached or answers nonsense. */
const NEXT_STEP = "check that this computer is online and try again (or set RT_IPDB_REGISTRY " +
  "to a mirror of the npm registry); rt works without the database meanwhile";

/** Bytes for people: "100 MB". */
function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}

/** The body of a response, or `null` once it passes `maxBytes` (the rest is not read). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const length = Number(response.headers.get("content-length") ?? NaN);
  if (length > maxBytes) {
    await response.body?.cancel();
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  }
  return concatAll(chunks);
}

/**
 * The body of `url` (at most `maxBytes`), or a plain error that says what failed and what to
 * do next.
 */
async function download(
  url: string,
  options: UpdateOptions,
  timeoutMs: number,
  maxBytes: number,
): Promise<Uint8Array> {
  const get = options.fetch ?? fetch;
  try {
    const response = await get(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new RtError("store", `${url} answered ${response.status}: ${NEXT_STEP}`);
    }
    const body = await readCapped(response, maxBytes);
    if (body === null) {
      throw new RtError(
        "store",
        `${url} is larger than ${megabytes(maxBytes)}, far more than the package should be; ` +
          `rt stopped reading it. ${NEXT_STEP_MIRROR}`,
      );
    }
    return body;
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

/** What to do when what was downloaded is not what the registry described. */
const NEXT_STEP_MIRROR = "Try again later, or from another mirror (RT_IPDB_REGISTRY); rt works " +
  "without the database meanwhile";

/**
 * Checks `bytes` against npm's `dist.integrity` (Subresource Integrity: `sha512-` and the
 * base64 SHA-512, possibly among other entries). Only SHA-512 is accepted; a description
 * without it is refused, since then nothing ties the tarball to the description.
 */
async function checkIntegrity(
  name: string,
  url: string,
  bytes: Uint8Array,
  integrity: unknown,
): Promise<void> {
  const wanted = typeof integrity === "string"
    ? integrity.trim().split(/\s+/).filter((e) => e.startsWith("sha512-")).map((e) =>
      e.slice("sha512-".length).replace(/\?.*$/, "")
    )
    : [];
  if (wanted.length === 0) {
    throw new RtError(
      "store",
      `The registry's description of ${name} gives no SHA-512 integrity for its tarball, so ` +
        `rt cannot tell whether ${url} is the package it describes; nothing was changed. ` +
        NEXT_STEP_MIRROR,
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", bytes as BufferSource));
  const actual = btoa(String.fromCharCode(...digest));
  if (!wanted.includes(actual)) {
    throw new RtError(
      "store",
      `${url} does not match the integrity the registry gives for ${name} (its SHA-512 ` +
        `differs): it was damaged or changed on the way; nothing was changed. ${NEXT_STEP_MIRROR}`,
    );
  }
}

/** A network error in a few plain words (Deno's repeat the URL and the layers of the client). */
function reason(error: unknown): string {
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const text = describeError(inner);
  if (/dns error|lookup address/i.test(text)) return "its name could not be looked up";
  if (/connection refused/i.test(text)) return "the connection was refused";
  if (/timed out/i.test(text)) return "the connection timed out";
  return text.replace(/^error sending request for url \([^)]*\): /, "");
}

async function fetchPackage(name: string, options: UpdateOptions) {
  const registry = (options.registry ?? DEFAULT_REGISTRY).replace(/\/$/, "");
  const metaUrl = `${registry}/${name.replace("/", "%2f")}/latest`;
  options.log?.(`Fetching ${name} from ${metaUrl}`);
  const metaBytes = await download(metaUrl, options, DESCRIPTION_TIMEOUT_MS, MAX_DESCRIPTION_BYTES);
  let meta: {
    version?: unknown;
    license?: unknown;
    dist?: { tarball?: unknown; integrity?: unknown };
  } | null;
  try {
    meta = JSON.parse(new TextDecoder().decode(metaBytes));
  } catch {
    meta = null;
  }
  const url = meta?.dist?.tarball;
  if (typeof url !== "string" || typeof meta?.version !== "string") {
    throw new RtError("store", `${metaUrl} did not describe a package: ${NEXT_STEP}`);
  }
  if (!/^https?:\/\//i.test(url)) {
    throw new RtError(
      "store",
      `${metaUrl} names a tarball rt will not fetch (${url}): ${NEXT_STEP}`,
    );
  }
  options.log?.(`Downloading ${name} ${meta.version} from ${url}`);
  const packed = await download(
    url,
    options,
    PACKAGE_TIMEOUT_MS,
    options.maxDownloadBytes ?? MAX_DOWNLOAD_BYTES,
  );
  await checkIntegrity(name, url, packed, meta.dist?.integrity);
  const maxUnpacked = options.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
  let files: { name: string; data: Uint8Array }[];
  try {
    files = readTar(await gunzip(packed, maxUnpacked));
  } catch (error) {
    if (error instanceof TooLargeError) {
      throw new RtError(
        "store",
        `${url} unpacks to more than ${megabytes(maxUnpacked)}, far more than the package ` +
          `should; rt stopped unpacking it. ${NEXT_STEP_MIRROR}`,
        { cause: error },
      );
    }
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
