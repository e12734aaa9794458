/**
 * A JSR registry faked on loopback, enough for the real `deno publish`, `deno run jsr:` and
 * `deno install -g jsr:` to talk to it when `JSR_URL` points at it.
 *
 * What Deno asks (Deno's `cli/tools/publish/mod.rs`, `cli/registry.rs`; its API address is
 * `JSR_URL` with the path `api/`):
 * - `GET  api/scopes/S/packages/P`: the package exists (else publish stops);
 * - `GET  api/scopes/S/packages/P/versions/V`: 404 while V is not published;
 * - `POST api/scopes/S/packages/P/versions/V?config=/deno.json`, a gzipped tarball with
 *   `Authorization: Bearer TOKEN`: answered with a publishing task, `pending` here;
 * - `GET  api/publish_status/ID`: the task, now `success` (Deno polls every 2 s);
 * - `GET  @S/P/meta.json`, `@S/P/V_meta.json` and `@S/P/V/PATH`: the registry proper, with
 *   each version's `createdAt` (Deno skips versions younger than a day unless told to), and
 *   each file's size and `sha256-HEX` checksum in the version's manifest, as jsr.io serves them;
 *   `deno install -g` also fetches `@S/P/V/deno.lock`, a file of the package when published.
 *
 * @module
 */
import { readTarGz } from "./jsr_tar.ts";

/** One request the registry answered. */
export interface RegistryRequest {
  method: string;
  /** The path and query, e.g. `/@rt/chat/meta.json`. */
  path: string;
  status: number;
}

/** A published version: its files by path (`/main.ts`), and its exports (`{".": "./main.ts"}`). */
export interface PublishedVersion {
  files: Map<string, Uint8Array>;
  exports: Record<string, string>;
  createdAt: string;
}

/** Options of the fake registry. */
export interface FakeJsrOptions {
  /** The package, e.g. `@rt/chat`. Only this one exists. */
  name: string;
  /** The token `deno publish --token` must send. */
  token: string;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function apiError(status: number, code: string, message: string): Response {
  return json({ code, message }, status);
}

/** The media type jsr.io gives a file, from its extension. */
function contentType(path: string): string {
  if (/\.[mc]?ts$|\.tsx$/.test(path)) return "application/typescript; charset=utf-8";
  if (/\.[mc]?js$|\.jsx$/.test(path)) return "application/javascript; charset=utf-8";
  if (path.endsWith(".json") || path.endsWith(".lock")) return "application/json";
  if (path.endsWith(".md")) return "text/markdown; charset=utf-8";
  return "text/plain; charset=utf-8";
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `exports` of a config file as JSR normalizes it: always an object. */
function normalizeExports(exports: unknown): Record<string, string> {
  if (typeof exports === "string") return { ".": exports };
  if (exports && typeof exports === "object") return exports as Record<string, string>;
  throw new Error(`The config file's "exports" is missing or invalid: ${JSON.stringify(exports)}`);
}

/** A fake JSR registry (and its publishing API) on `127.0.0.1`, on a free port. */
export class FakeJsr {
  /** Every version published, by version. */
  readonly versions = new Map<string, PublishedVersion>();
  /** Every request answered, in order. */
  readonly requests: RegistryRequest[] = [];
  /** Why uploads were refused (for failure messages). */
  readonly refusals: string[] = [];
  readonly #scope: string;
  readonly #package: string;
  readonly #token: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** Publishing tasks not yet reported done: task id → version. */
  readonly #tasks = new Map<string, string>();

  constructor(options: FakeJsrOptions) {
    const match = /^@([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(options.name);
    if (!match) throw new Error(`Not a JSR package name: ${options.name}`);
    this.#scope = match[1]!;
    this.#package = match[2]!;
    this.#token = options.token;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request) => {
        const url = new URL(request.url);
        const response = await this.#handle(request, url).catch((error) =>
          apiError(500, "internalServerError", String(error))
        );
        this.requests.push({
          method: request.method,
          path: url.pathname + url.search,
          status: response.status,
        });
        return response;
      },
    );
  }

  /** The registry's address, for `JSR_URL` (with a trailing `/`). */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/`;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#server.addr.port;
  }

  /**
   * Serves `published` (e.g. what another registry received) as `version` from now on, as if
   * it had been uploaded `ageMs` ago. Deno (2.9 and later) takes no version younger than its
   * minimum dependency age (a day by default) unless told to, so a version a day old stands
   * for "the day after the release".
   */
  add(version: string, published: PublishedVersion, ageMs = 0): void {
    this.versions.set(version, {
      files: published.files,
      exports: published.exports,
      createdAt: new Date(Date.now() - ageMs).toISOString(),
    });
  }

  /** The requests answered since index `since`, as `METHOD path` lines. */
  requestLines(since = 0): string[] {
    return this.requests.slice(since).map((r) => `${r.method} ${r.path} → ${r.status}`);
  }

  async #handle(request: Request, url: URL): Promise<Response> {
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith("/api/")) return await this.#api(request, url, path.slice("/api".length));
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, { status: 405 });
    }
    return await this.#registry(path);
  }

  async #api(request: Request, url: URL, path: string): Promise<Response> {
    const packagePath = `/scopes/${this.#scope}/packages/${this.#package}`;
    const status = /^\/publish_status\/([^/]+)$/.exec(path);
    if (status && request.method === "GET") {
      const version = this.#tasks.get(status[1]!);
      if (version === undefined) return apiError(404, "publishingTaskNotFound", "no such task");
      this.#tasks.delete(status[1]!);
      return json({ id: status[1], status: "success", error: null });
    }
    if (path === packagePath && request.method === "GET") {
      return json({ scope: this.#scope, name: this.#package });
    }
    const version = new RegExp(`^${packagePath}/versions/([^/]+)$`).exec(path)?.[1];
    if (version === undefined) return apiError(404, "notFound", `no API route ${path}`);
    if (request.method === "GET") {
      return this.versions.has(version)
        ? json({ scope: this.#scope, package: this.#package, version })
        : apiError(404, "packageVersionNotFound", "The requested package version was not found.");
    }
    if (request.method !== "POST") return new Response(null, { status: 405 });
    return await this.#publish(request, url, version);
  }

  /** Accepts an upload as JSR does: authorized, gzipped, with a config naming this version. */
  async #publish(request: Request, url: URL, version: string): Promise<Response> {
    const refuse = (status: number, code: string, message: string) => {
      this.refusals.push(`${code}: ${message}`);
      return apiError(status, code, message);
    };
    if (request.headers.get("authorization") !== `Bearer ${this.#token}`) {
      return refuse(401, "invalidBearerToken", "The token is not the one expected.");
    }
    if (request.headers.get("content-encoding") !== "gzip") {
      return refuse(400, "invalidContentEncoding", "The tarball must be sent gzipped.");
    }
    if (this.versions.has(version)) {
      return refuse(409, "duplicateVersionPublish", `${version} is published already.`);
    }
    const files = await readTarGz(new Uint8Array(await request.arrayBuffer()));
    const configPath = url.searchParams.get("config");
    const configBytes = configPath === null ? undefined : files.get(configPath);
    if (configBytes === undefined) {
      return refuse(400, "missingConfigFile", `config=${configPath} is not in the tarball.`);
    }
    const config = JSON.parse(new TextDecoder().decode(configBytes));
    // The version comes from the URL: `deno publish --set-version` uploads the config as is.
    if (config.name !== `@${this.#scope}/${this.#package}`) {
      return refuse(400, "configFileNameMismatch", `${configPath} names ${config.name}`);
    }
    const exports = normalizeExports(config.exports);
    for (const target of Object.values(exports)) {
      if (!files.has(target.replace(/^\.\//, "/"))) {
        return refuse(400, "configFileExportsInvalid", `${target} is not in the tarball.`);
      }
    }
    this.versions.set(version, { files, exports, createdAt: new Date().toISOString() });
    const id = crypto.randomUUID();
    this.#tasks.set(id, version);
    return json({ id, status: "pending", error: null });
  }

  async #registry(path: string): Promise<Response> {
    const prefix = `/@${this.#scope}/${this.#package}/`;
    if (!path.startsWith(prefix)) return new Response("Not found", { status: 404 });
    const rest = path.slice(prefix.length);
    if (rest === "meta.json") {
      if (this.versions.size === 0) return new Response("Not found", { status: 404 });
      const versions = [...this.versions.keys()];
      return json({
        scope: this.#scope,
        name: this.#package,
        latest: versions.at(-1),
        versions: Object.fromEntries(
          [...this.versions].map(([v, p]) => [v, { createdAt: p.createdAt }]),
        ),
      });
    }
    const versionMeta = /^([^/]+)_meta\.json$/.exec(rest);
    if (versionMeta) {
      const published = this.versions.get(versionMeta[1]!);
      if (!published) return new Response("Not found", { status: 404 });
      const manifest: Record<string, { size: number; checksum: string }> = {};
      for (const [file, bytes] of [...published.files].sort(([a], [b]) => a < b ? -1 : 1)) {
        manifest[file] = { size: bytes.length, checksum: `sha256-${await sha256Hex(bytes)}` };
      }
      return json({ manifest, exports: published.exports });
    }
    const slash = rest.indexOf("/");
    const published = slash < 0 ? undefined : this.versions.get(rest.slice(0, slash));
    const file = published?.files.get(rest.slice(slash));
    if (file === undefined) return new Response("Not found", { status: 404 });
    return new Response(file as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType(path) },
    });
  }

  /** Stops listening (waits for requests under way). */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
