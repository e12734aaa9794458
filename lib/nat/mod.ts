/**
 * Port mapping on the home router (UPnP IGD v1/v2, NAT-PMP) behind one small interface.
 *
 * @module
 */
export * from "./gateway.ts";
export * from "./port_mapping.ts";
