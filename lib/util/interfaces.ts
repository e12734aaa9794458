/**
 * This computer's network interface addresses, in the one shape rt uses.
 *
 * @module
 */

/** One address of one interface. */
export interface InterfaceAddress {
  /** The interface's name, e.g. "wlan0". */
  name: string;
  family: "IPv4" | "IPv6";
  address: string;
  /** e.g. "255.255.255.0", or "ffff:ffff:ffff:ffff::". */
  netmask: string;
}

/** This computer's addresses; none when they may not be listed (`--allow-sys=networkInterfaces`). */
export function networkInterfaces(): InterfaceAddress[] {
  try {
    return Deno.networkInterfaces().map((i) => ({
      name: i.name,
      family: i.family,
      address: i.address,
      netmask: i.netmask,
    }));
  } catch {
    return [];
  }
}
