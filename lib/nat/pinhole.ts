/**
 * Opening the room's port in the router's IPv6 firewall (a pinhole), the way past carrier-grade
 * NAT: UPnP IGD v2's firewall control and PCP are asked at once, over IPv6, and the first that
 * opens it wins; the pinhole is renewed while the room is open and closed when it closes. What
 * the other protocol opens meanwhile is closed at once (holdings.ts).
 *
 * @module
 */
import { type Global6, globalV6, ipv6Routers, isGlobalV6, isLinkLocalV6 } from "./gateway6.ts";
import { type Router6, sourceTowards } from "./gateway6.ts";
import { type Claim, firstClaim, RefusedError } from "./holdings.ts";
import { PcpError, pcpMap, pcpNonce } from "./pcp.ts";
import { describeFirewall, deviceId, discoverLocations, UpnpError } from "./upnp.ts";
import { addPinhole, deletePinhole, firewallStatus, updatePinhole } from "./upnp_pinhole.ts";
import { describeError, withTimeout } from "../util/mod.ts";

/** How a pinhole was opened. */
export type PinholeMethod = "UPnP IGD v2" | "PCP";

/** An open pinhole: people anywhere with IPv6 can reach `address`:`port`. */
export interface Pinhole {
  /** This computer's global IPv6 address the pinhole lets people reach. */
  address: string;
  port: number;
  method: PinholeMethod;
  /** Closes the pinhole (and stops renewing it). */
  close(): Promise<void>;
}

/** What came of asking for a pinhole. */
export type PinholeOutcome =
  | { ok: true; pinhole: Pinhole }
  | {
    ok: false;
    /**
     * `off`: not asked; `no-ipv6`: this computer has no IPv6 route or global address;
     * `no-router`: no router answered; `refused`: a router said no.
     */
    reason: "off" | "no-ipv6" | "no-router" | "refused";
    detail: string;
  };

/** A pinhole one protocol opened, as the room holds it. */
interface Grant extends Claim {
  method: PinholeMethod;
  /** The address people reach. */
  address: string;
}

/** What the pinholer needs from the system (replaced in tests). */
export interface PinholeSystem {
  routers(globals: readonly Global6[]): Promise<Router6[]>;
  globals(): Promise<Global6[]>;
  /** The address this computer speaks from to `host`:`port` over TCP. */
  sourceTowards(host: string, port: number): Promise<string | null>;
}

const system: PinholeSystem = { routers: ipv6Routers, globals: globalV6, sourceTowards };

/** Options of {@link openPinhole}. */
export interface PinholeOptions {
  /** When to give up. */
  deadline: number;
  /** Lease asked for, renewed at half-time (seconds). */
  leaseSeconds: number;
  /**
   * The router's descriptions found over IPv4 (from the default gateway): an IPv6 description
   * of the same device counts, whatever its address.
   */
  v4Locations?: Promise<string[]>;
  /** Only this address (a room bound to one). Default: the best global address. */
  address?: string;
  signal?: AbortSignal;
  system?: PinholeSystem;
}

/**
 * Every claim's router: the router may be named by its link-local address to PCP and its
 * global one to UPnP, yet it keeps one pinhole per address and port: a UPnP request for the
 * pinhole PCP opened gets that very pinhole, and removing "the loser's" would close the
 * winner's. So claims for the same address and port are one, kept until the room closes.
 */
const ONE_FIREWALL = "the IPv6 firewall";

/** Seconds between renewals of a lease of `seconds`. */
function renewEvery(seconds: number): number {
  return Math.max(30, seconds / 2);
}

/** Asks the IPv6 routers of this computer to open TCP `port` (UPnP and PCP at once). */
export async function openPinhole(port: number, options: PinholeOptions): Promise<PinholeOutcome> {
  const sys = options.system ?? system;
  const allGlobals = await sys.globals();
  const routers = allGlobals.length === 0 ? [] : await sys.routers(allGlobals);
  const globals = options.address
    ? allGlobals.filter((g) => g.address === options.address)
    : allGlobals;
  if (routers.length === 0 || globals.length === 0) {
    return {
      ok: false,
      reason: "no-ipv6",
      detail: routers.length === 0
        ? "this computer has no IPv6 route to the Internet"
        : "this computer has no global IPv6 address",
    };
  }
  const outcome = await firstClaim([
    upnpPinhole(port, routers, globals, options, sys),
    pcpPinhole(port, routers, globals, options),
  ], Math.max(0, options.deadline - Date.now()) + 200);
  if (outcome.claim) {
    const { address, externalPort, method } = outcome.claim;
    return { ok: true, pinhole: { address, port: externalPort, method, close: outcome.close } };
  }
  const refused = outcome.failures.find((f) => f instanceof RefusedError);
  if (refused) return { ok: false, reason: "refused", detail: (refused as Error).message };
  return {
    ok: false,
    reason: "no-router",
    detail: "no router answered a request to open its IPv6 firewall (UPnP and PCP)",
  };
}

async function upnpPinhole(
  port: number,
  routers: Router6[],
  globals: Global6[],
  options: PinholeOptions,
  sys: PinholeSystem,
): Promise<Grant> {
  const left = () => options.deadline - Date.now();
  // Any device on the LAN may answer: a description counts when it is on a router's address,
  // or when it describes the very device the IPv4 gateway described (the same UDN).
  const locations = await discoverLocations(Math.min(2000, left() - 500), {
    from: routers.map((r) => r.address),
    family: 6,
    interfaces: [...new Set(globals.map((g) => g.interface))],
    anyone: true,
    signal: options.signal,
  });
  const onRouter = (location: string) =>
    routers.some((r) => new URL(location).hostname === `[${r.address}]`);
  let gatewayId: Promise<string | null> | null = null;
  const gatewayDevice = () =>
    gatewayId ??= withTimeout(
      options.v4Locations ?? Promise.resolve([]),
      Math.max(0, left()),
      () => new Error("late"),
    )
      .then((found) => found.length > 0 ? deviceId(found[0]!, Math.max(200, left())) : null)
      .catch(() => null);
  let refusal: Error | null = null;
  for (const location of locations) {
    if (left() < 200) break;
    const service = await describeFirewall(location, Math.max(200, left())).catch(() => null);
    if (!service) continue;
    if (!onRouter(location)) {
      const gateway = await gatewayDevice();
      if (gateway === null || service.deviceId !== gateway) continue;
    }
    const url = new URL(service.controlUrl);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    // The router opens a pinhole only for the address the request comes from.
    const client = await sys.sourceTowards(host, Number(url.port || 80));
    if (!client || !globals.some((g) => g.address === client)) continue;
    try {
      const status = await firewallStatus(service);
      if (status.enabled && !status.pinholesAllowed) {
        throw new UpnpError("the router's firewall does not let pinholes be opened", null);
      }
      const id = await addPinhole(service, {
        internalClient: client,
        internalPort: port,
        leaseSeconds: options.leaseSeconds,
      });
      return {
        method: "UPnP IGD v2",
        address: client,
        router: ONE_FIREWALL,
        externalPort: port,
        internalClient: client,
        internalPort: port,
        removedByExternalPort: false,
        renewEverySeconds: renewEvery(options.leaseSeconds),
        renew: () => updatePinhole(service, id, options.leaseSeconds),
        remove: () => deletePinhole(service, id),
      };
    } catch (error) {
      refusal = new RefusedError(`the router refused (UPnP: ${describeError(error)})`);
    }
  }
  throw refusal ?? new Error("no UPnP firewall control");
}

async function pcpPinhole(
  port: number,
  routers: Router6[],
  globals: Global6[],
  options: PinholeOptions,
): Promise<Grant> {
  let refusal: Error | null = null;
  for (const router of routers) {
    const left = options.deadline - Date.now();
    if (left < 300) break;
    const server = isLinkLocalV6(router.address)
      ? `${router.address}%${router.interface}`
      : router.address;
    // The router opens the pinhole for the address the request comes from.
    const client = globals.find((g) => g.interface === router.interface) ?? globals[0]!;
    const nonce = pcpNonce();
    const ask = (lifetimeSeconds: number, suggested: number, timeoutMs: number) =>
      pcpMap({
        server,
        client: client.address,
        internalPort: port,
        suggestedExternalPort: suggested,
        suggestedExternalAddress: client.address,
        lifetimeSeconds,
        nonce,
      }, timeoutMs);
    try {
      const granted = await ask(options.leaseSeconds, port, Math.min(2500, left));
      return {
        method: "PCP",
        // A router that translates prefixes (NPTv6) names the address people reach.
        address: isGlobalV6(granted.externalAddress) ? granted.externalAddress : client.address,
        router: ONE_FIREWALL,
        externalPort: granted.externalPort,
        internalClient: client.address,
        internalPort: port,
        removedByExternalPort: false,
        renewEverySeconds: renewEvery(granted.lifetimeSeconds),
        renew: () => ask(options.leaseSeconds, granted.externalPort, 3000),
        // Some routers refuse to end a pinhole early (miniupnpd can answer NOT_AUTHORIZED
        // even to the nonce that opened it): the shortest lease then lets it lapse soon.
        remove: () =>
          ask(0, 0, 2000).catch((error) => {
            if (!(error instanceof PcpError)) throw error;
            return ask(1, granted.externalPort, 2000);
          }),
      };
    } catch (error) {
      if (error instanceof PcpError) {
        refusal = new RefusedError(`the router refused (PCP: ${error.message})`);
      }
    }
  }
  throw refusal ?? new Error("no PCP router");
}
