/**
 * The password-authenticated key exchange (CPace) and the sealed channel it keys. Bytes in,
 * bytes out: no sockets.
 *
 * @module
 */
export { HostAttempt, JoinerAttempt, randomNonce } from "./protocol.ts";
export type { AttemptInput, SessionKeys } from "./protocol.ts";
export { Opener, Sealer } from "./channel.ts";
export { toHex } from "./bytes.ts";
