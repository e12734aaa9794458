/**
 * identity.
 *
 * @module
 */
export {
  fingerprint,
  generateIdentity,
  type Identity,
  identityFromSeed,
  identitySeed,
  PUBLIC_KEY_BYTES,
  safetyCode,
  sameKey,
  sign,
  verify,
} from "./keys.ts";
