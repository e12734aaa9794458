/**
 * tor.
 *
 * @module
 */
export { addOnion, type OnionService, readCookieFile, type TorControlOptions } from "./control.ts";
