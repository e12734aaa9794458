/**
 * `deno task bench:aead`: the AEAD micro-timings the README quotes (why rt seals small frames
 * with libsodium and large ones with the runtime's native ChaCha20-Poly1305), in one process:
 * the time to seal one message of each size with
 *
 * - libsodium's ChaCha20-Poly1305 (WebAssembly, synchronous): rt's path below 4 KiB;
 * - the runtime's native ChaCha20-Poly1305 (`node:crypto`): rt's path from 4 KiB up;
 * - native AES-128-GCM and AES-256-GCM (`node:crypto`, synchronous), beside them;
 * - WebCrypto's AES-256-GCM, awaited one at a time (as a sender that must keep frames in order
 *   would);
 * - the runtime's SHA-256 (`node:crypto`), which hashes every file on both ends.
 *
 * Beside them, the same primitives in OpenSSL on the same CPU (`openssl speed -evp`, at the size
 * of a file chunk), when `openssl` is installed: what `scp` encrypts with. A missing `openssl` is
 * reported as missing.
 *
 * Both ChaCha20-Poly1305 paths are rt's own `seal` (`lib/handshake/aead.ts`). Each figure is the
 * median of `ROUNDS` means over at least `ROUND_MS` of back-to-back seals, after `WARMUP_MS` of
 * the same (a garbage collection in one round does not move it). Prints a
 * table and writes the figures as JSON to `bench/results/aead-<date>.json`.
 *
 * @module
 */
import { createCipheriv, createHash } from "node:crypto";
import { seal } from "../lib/handshake/aead.ts";
import { describeMachine } from "./machine.ts";
import { opensslSpeed } from "./openssl_speed.ts";
import { median } from "./stats.ts";

const SIZES = [64, 256, 1024, 4096, 16384, 65536, 131072];
const WARMUP_MS = 100;
/** Each figure is the median of `ROUNDS` rounds of at least `ROUND_MS` each. */
const ROUNDS = 5;
const ROUND_MS = 100;

type Sealer = (plaintext: Uint8Array<ArrayBuffer>) => unknown;

const key = crypto.getRandomValues(new Uint8Array(32));
const key16 = key.subarray(0, 16);
const nonce = crypto.getRandomValues(new Uint8Array(12));
const ad = crypto.getRandomValues(new Uint8Array(16));
const webKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);

function nodeGcm(k: Uint8Array): Sealer {
  const algorithm = k.length === 16 ? "aes-128-gcm" : "aes-256-gcm";
  return (plaintext) => {
    const cipher = createCipheriv(algorithm, k, nonce);
    cipher.setAAD(ad);
    const body = cipher.update(plaintext);
    cipher.final();
    return [body, cipher.getAuthTag()];
  };
}

/** Each implementation, and whether it is awaited. */
const IMPLEMENTATIONS: { name: string; seal: Sealer; awaited?: boolean }[] = [
  { name: "libsodium chacha20-poly1305", seal: (p) => seal(key, nonce, p, ad, false) },
  { name: "native chacha20-poly1305", seal: (p) => seal(key, nonce, p, ad, true) },
  { name: "native aes-128-gcm", seal: nodeGcm(key16) },
  { name: "native aes-256-gcm", seal: nodeGcm(key) },
  {
    name: "webcrypto aes-256-gcm (awaited)",
    seal: (p) =>
      crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: ad }, webKey, p),
    awaited: true,
  },
  { name: "native sha-256 (a hash: no key)", seal: (p) => createHash("sha256").update(p).digest() },
];

/** The file chunk's size: where the runtime and OpenSSL are compared. */
const CHUNK_BYTES = 131072;
/** `openssl speed` runs each primitive this long, in seconds. */
const OPENSSL_SECONDS = 2;
/** Each primitive as the runtime's row names it, and as `openssl speed -evp` does. */
const OPENSSL_PRIMITIVES = [
  { runtime: "native chacha20-poly1305", openssl: "chacha20-poly1305" },
  { runtime: "native aes-128-gcm", openssl: "aes-128-gcm" },
  { runtime: "native sha-256 (a hash: no key)", openssl: "sha256" },
];

/** Mean µs per seal of `plaintext`, over at least `ms` of seals. */
async function time(
  sealer: Sealer,
  awaited: boolean,
  plaintext: Uint8Array<ArrayBuffer>,
  ms: number,
) {
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 32; i++) {
      const sealed = sealer(plaintext);
      if (awaited) await sealed;
    }
    runs += 32;
    elapsed = performance.now() - start;
  }
  return elapsed * 1000 / runs;
}

/** `n` random bytes (getRandomValues fills at most 64 KiB a call). */
function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

/** One implementation at one size. */
interface Timing {
  implementation: string;
  bytes: number;
  usPerSeal: number;
  mbPerS: number;
}

const timings: Timing[] = [];
for (const implementation of IMPLEMENTATIONS) {
  for (const bytes of SIZES) {
    const message = randomBytes(bytes);
    const awaited = implementation.awaited ?? false;
    await time(implementation.seal, awaited, message, WARMUP_MS);
    const rounds: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      rounds.push(await time(implementation.seal, awaited, message, ROUND_MS));
    }
    const usPerSeal = median(rounds);
    timings.push({
      implementation: implementation.name,
      bytes,
      usPerSeal,
      mbPerS: bytes / usPerSeal,
    });
  }
}

const openssl = await opensslSpeed(
  OPENSSL_PRIMITIVES.map((p) => p.openssl),
  CHUNK_BYTES,
  OPENSSL_SECONDS,
);
const machine = describeMachine();
const date = new Date().toISOString();
const size = (b: number) => b >= 1024 ? `${b / 1024} KiB` : `${b} B`;
const cell = (t: Timing | undefined) =>
  t ? `${t.usPerSeal.toFixed(t.usPerSeal < 10 ? 2 : 1)} µs` : "-";
const widths = [32, ...SIZES.map(() => 10)];
const row = (cells: string[]) =>
  cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join(" ");
const find = (name: string, bytes: number) =>
  timings.find((t) => t.implementation === name && t.bytes === bytes);
console.log(`AEAD seal timings, ${date}`);
console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Deno ${machine.deno}`);
console.log(
  `(time to seal one message with 16 bytes of associated data: median of ${ROUNDS} rounds)\n`,
);
console.log(row(["", ...SIZES.map(size)]));
for (const implementation of IMPLEMENTATIONS) {
  console.log(row([implementation.name, ...SIZES.map((b) => cell(find(implementation.name, b)))]));
}
console.log(row([
  "native ÷ libsodium chacha20 time",
  ...SIZES.map((b) => {
    const native = find("native chacha20-poly1305", b)!.usPerSeal;
    return `${(native / find("libsodium chacha20-poly1305", b)!.usPerSeal).toFixed(2)}×`;
  }),
]));
console.log(row([
  "MB/s, native aes-128-gcm",
  ...SIZES.map((b) => find("native aes-128-gcm", b)!.mbPerS.toFixed(0)),
]));
console.log(row([
  "MB/s, native chacha20-poly1305",
  ...SIZES.map((b) => find("native chacha20-poly1305", b)!.mbPerS.toFixed(0)),
]));

console.log(`\nMB/s at ${size(CHUNK_BYTES)} (a file chunk), the same CPU:`);
const compare = [38, 10, 10, 8];
const line = (cells: string[]) =>
  cells.map((c, i) => i === 0 ? c.padEnd(compare[i]!) : c.padStart(compare[i]!)).join(" ");
console.log(line(["", "runtime", "OpenSSL", "ratio"]));
for (const { runtime, openssl: name } of OPENSSL_PRIMITIVES) {
  const ours = find(runtime, CHUNK_BYTES)!.mbPerS;
  const theirs = openssl?.timings.find((t) => t.primitive === name)?.mbPerS;
  // Not installed: missing; installed but this primitive gave no figure: failed.
  const absent = openssl === null ? "missing" : "failed";
  console.log(line([
    name,
    ours.toFixed(0),
    theirs == null ? absent : theirs.toFixed(0),
    theirs == null ? "-" : `${(ours / theirs).toFixed(2)}×`,
  ]));
}
console.log(openssl ? `(${openssl.version}, openssl speed -evp)` : "(openssl: not installed)");

const dir = new URL("./results/", import.meta.url);
const file = new URL(`aead-${date.replaceAll(":", "-").replace(/\..*$/, "")}.json`, dir);
Deno.mkdirSync(dir, { recursive: true });
Deno.writeTextFileSync(file, JSON.stringify({ date, machine, timings, openssl }, null, 2) + "\n");
console.log(`\nJSON: ${file.pathname}`);
