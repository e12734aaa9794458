/**
 * Runs one anchor alone and prints its result as JSON:
 *
 * ```sh
 * deno run -A bench/anchors/try.ts tools
 * deno run -A bench/anchors/try.ts ngircd MEMBERS RATE [SECONDS=10] [PROCESSES=2]
 * deno run -A bench/anchors/try.ts scp BYTES [aes128-gcm@openssh.com|chacha20-poly1305@openssh.com] [TRIES=3]
 * deno run -A bench/anchors/try.ts socat BYTES [TRIES=3]
 * ```
 *
 * Without a cipher, `scp` runs both.
 *
 * @module
 */
import { findTools, ngircdLoad, type ScpCipher, scpCopy, socatCopy } from "./mod.ts";

const CIPHERS: ScpCipher[] = ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"];
const [what, ...args] = Deno.args;
const number = (i: number, fallback?: number) => {
  const n = args[i] === undefined ? fallback : Number(args[i]);
  if (n === undefined || !(n > 0)) usage();
  return n!;
};

function usage(): never {
  console.error(
    "usage: try.ts tools | ngircd MEMBERS RATE [SECONDS] [PROCESSES] | " +
      "scp BYTES [CIPHER] [TRIES] | socat BYTES [TRIES]",
  );
  Deno.exit(2);
}

const print = (result: unknown) => console.log(JSON.stringify(result, null, 2));

if (what === "tools") {
  print(findTools());
} else if (what === "ngircd") {
  print(
    await ngircdLoad({
      members: number(0),
      rate: number(1),
      seconds: number(2, 10),
      warmupSeconds: 2,
      processes: number(3, 2),
      textChars: 64,
    }),
  );
} else if (what === "scp") {
  const ciphers = args[1] ? [args[1] as ScpCipher] : CIPHERS;
  if (!ciphers.every((c) => CIPHERS.includes(c))) usage();
  for (const cipher of ciphers) print(await scpCopy(number(0), cipher, number(2, 3)));
} else if (what === "socat") {
  print(await socatCopy(number(0), number(1, 3)));
} else {
  usage();
}
