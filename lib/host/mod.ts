/**
 * Hosting: the bridge between the listening sockets and the room.
 *
 * @module
 */
export * from "./host.ts";
export { addressDescriber, type AddressInfo, formatAddressInfo } from "./address_info.ts";
