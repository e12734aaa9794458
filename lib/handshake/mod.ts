/**
 * The password-authenticated key exchange (CPace) and the sealed channel it keys. Bytes in,
 * bytes out: no sockets.
 *
 * @module
 */
export { HostAttempt, JoinerAttempt, randomNonce, resumptionPrs } from "./protocol.ts";
export type { AttemptInput, SessionKeys } from "./protocol.ts";
export { Opener, Sealer } from "./channel.ts";
export { open, seal } from "./aead.ts";
export { sodium } from "./sodium.ts";
