import { assertEquals, assertOk } from "../assert.ts";
import {
  estimatePassword,
  WEAK_BELOW_BITS,
  weakPasswordWarning,
} from "../../lib/app/password_strength.ts";
import { generatePassphrase } from "../../lib/app/passphrase.ts";

Deno.test("weak passwords are caught: short, a word and a number, repeats, sequences", () => {
  for (
    const weak of [
      "pw",
      "hunter2",
      "sunshine2024",
      "Password1!",
      "Password123!",
      "aaaaaaaaaaaaaaaaaaaaaaaa",
      "123456789012",
      "qwertyuiop",
    ]
  ) {
    assertOk(estimatePassword(weak).weak, `${weak}: ${estimatePassword(weak).bits}`);
  }
});

Deno.test("strong passwords pass: several words, generated passphrases, long random strings", () => {
  for (
    const strong of [
      "correct horse battery staple",
      "gentle-orbit-canal-sugar-permit-wolf",
      "x7#Qp2!vL9@m",
      "ziemlich-grüne-Äpfel-im-Mai",
      ...Array.from({ length: 20 }, () => generatePassphrase()),
    ]
  ) {
    const estimate = estimatePassword(strong);
    assertOk(!estimate.weak, `${strong}: ${estimate.bits}`);
    assertOk(estimate.bits >= WEAK_BELOW_BITS);
  }
});

Deno.test("the warning says the length and the estimate, never the password", () => {
  const estimate = estimatePassword("hunter2");
  assertEquals(estimate.length, 7);
  const text = weakPasswordWarning(estimate);
  assertOk(text.includes("7 characters") && /2\^\d+ tries/.test(text), text);
  assertOk(!text.includes("hunter"), text);
});
