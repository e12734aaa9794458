/**
 * ipdb.
 *
 * @module
 */
export { type IpDatabase, openIpDatabase, SOURCE_FILE } from "./database.ts";
export { updateIpDatabase } from "./update.ts";
