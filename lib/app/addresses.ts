/**
 * The host's local addresses worth telling people, likely one first.
 *
 * @module
 */
import type { AddressHint } from "../events.ts";
import { type InterfaceAddress as SystemAddress, networkInterfaces } from "../util/mod.ts";

/** One network interface address as the system reports it (its netmask is not needed here). */
export type InterfaceAddress = Pick<SystemAddress, "name" | "family" | "address">;

const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|lxd|cni|flannel|podman)/i;
const VPN = /^(tun|tap|wg|utun|ppp|ipsec|zt|tailscale|nordlynx|proton)/i;

function isPrivateV4(a: string): boolean {
  return /^10\./.test(a) || /^192\.168\./.test(a) || /^172\.(1[6-9]|2\d|3[01])\./.test(a);
}

function rank(a: InterfaceAddress): number {
  if (VIRTUAL.test(a.name) || VPN.test(a.name)) return 5;
  if (a.family === "IPv4") {
    if (/^192\.168\./.test(a.address)) return 0;
    if (isPrivateV4(a.address)) return 1;
    if (/^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./.test(a.address)) return 3;
    return 2;
  }
  return 4;
}

function note(a: InterfaceAddress): string | undefined {
  if (VIRTUAL.test(a.name)) return "a virtual or container network, rarely the right one";
  if (VPN.test(a.name)) return "a VPN: only for people on the same VPN";
  return undefined;
}

/** Address as typed on a command line. */
export function joinCommand(address: string, port: number): string {
  return `rt ${address} ${port}`;
}

/**
 * Orders the usable addresses (no loopback, no link-local, no duplicates) for people on the
 * same network: ordinary home and office networks first, virtual and VPN ones last.
 */
export function addressHints(
  list: InterfaceAddress[],
  port: number,
  /** The address on the default route, when known: it goes first. */
  preferred?: string | null,
): AddressHint[] {
  const seen = new Set<string>();
  const usable = list.filter((a) => {
    if (seen.has(a.address)) return false;
    seen.add(a.address);
    if (a.family === "IPv4") {
      return !a.address.startsWith("127.") && !a.address.startsWith("169.254.");
    }
    const lower = a.address.toLowerCase();
    return lower !== "::1" && !lower.startsWith("fe80:") && !lower.includes("%");
  });
  const order = (a: InterfaceAddress) => (a.address === preferred ? -1 : rank(a));
  usable.sort((x, y) => order(x) - order(y));
  return usable.map((a) => {
    const hint: AddressHint = {
      address: a.address,
      interface: a.name,
      command: joinCommand(a.address, port),
    };
    const why = note(a);
    if (why) hint.note = why;
    return hint;
  });
}

/** This machine's interface addresses (needs `--allow-sys=networkInterfaces`). */
export function localAddresses(): InterfaceAddress[] {
  return networkInterfaces();
}
