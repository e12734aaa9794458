/**
 * Opening the room to the Internet on the home router: IPv4 port mapping (UPnP IGD v1/v2,
 * PCP, NAT-PMP) and IPv6 pinholes (UPnP IGD v2, PCP), behind one small interface.
 *
 * @module
 */
export * from "./gateway.ts";
export { isGlobalV6 } from "./gateway6.ts";
export type { Pinhole, PinholeMethod, PinholeOutcome } from "./pinhole.ts";
export * from "./port_mapping.ts";
