/**
 * IPv6 pinholes through UPnP IGD v2's `WANIPv6FirewallControl:1`: the router's firewall lets
 * connections from anywhere reach one port of this computer's global address, for a lease
 * that is renewed (`UpdatePinhole`) and ended (`DeletePinhole`) by the pinhole's id.
 *
 * A router in secure mode opens a pinhole only for the address that asks, over IPv6: the
 * request must come from `internalClient` itself (an IPv4 client is refused with 606).
 *
 * @module
 */
import { soap, tag, UpnpError, type UpnpService } from "./upnp.ts";

/** TCP, as the IANA protocol number the service takes. */
const TCP = 6;

/** Whether the router's firewall is on, and whether it lets pinholes be opened. */
export async function firewallStatus(
  service: UpnpService,
): Promise<{ enabled: boolean; pinholesAllowed: boolean }> {
  const text = await soap(service, "GetFirewallStatus", {});
  return {
    enabled: tag(text, "FirewallEnabled") === "1",
    pinholesAllowed: tag(text, "InboundPinholeAllowed") === "1",
  };
}

/**
 * Opens `internalClient`:`internalPort` (TCP) to any remote address and port for
 * `leaseSeconds` (1 to 86400); returns the pinhole's id.
 */
export async function addPinhole(
  service: UpnpService,
  pinhole: { internalClient: string; internalPort: number; leaseSeconds: number },
): Promise<number> {
  const text = await soap(service, "AddPinhole", {
    // Empty: any remote. "::" would match only a remote whose address is "::".
    RemoteHost: "",
    RemotePort: 0,
    InternalClient: pinhole.internalClient,
    InternalPort: pinhole.internalPort,
    Protocol: TCP,
    LeaseTime: pinhole.leaseSeconds,
  });
  const id = tag(text, "UniqueID");
  if (id === null || !/^\d{1,5}$/.test(id) || Number(id) > 65535) {
    throw new UpnpError("AddPinhole: the router gave no pinhole id", null);
  }
  return Number(id);
}

/** Extends the lease of pinhole `id` to `leaseSeconds` from now. */
export async function updatePinhole(
  service: UpnpService,
  id: number,
  leaseSeconds: number,
): Promise<void> {
  await soap(service, "UpdatePinhole", { UniqueID: id, NewLeaseTime: leaseSeconds });
}

/** Closes pinhole `id`. */
export async function deletePinhole(service: UpnpService, id: number): Promise<void> {
  await soap(service, "DeletePinhole", { UniqueID: id });
}
