/**
 * Generated room passwords: six words from the BIP-39 English list (2048 short, distinct,
 * easy-to-read words), 66 bits of entropy.
 *
 * @module
 */
import { wordlist } from "@scure/bip39/wordlists/english.js";

/** Words in a generated passphrase. */
export const PASSPHRASE_WORDS = 6;

/** Bits of entropy of a generated passphrase. */
export const PASSPHRASE_BITS: number = PASSPHRASE_WORDS * Math.log2(wordlist.length);

/** A fresh passphrase such as `gentle-orbit-canal-sugar-permit-wolf`. */
export function generatePassphrase(words = PASSPHRASE_WORDS): string {
  if (wordlist.length !== 2048) throw new RangeError("Unexpected word list size");
  const picks = crypto.getRandomValues(new Uint16Array(words));
  return Array.from(picks, (n) => wordlist[n & 2047]!).join("-");
}
