/**
 * The one place that loads libsodium (a WebAssembly build, constant-time ristretto255 and
 * ChaCha20-Poly1305). Everything else imports the ready instance from here.
 *
 * @module
 */
import sodiumModule from "libsodium-wrappers-sumo";

await sodiumModule.ready;

/** The initialised libsodium instance. */
export const sodium: typeof sodiumModule = sodiumModule;
