/**
 * Opening the room's port on the home router, behind one small interface: UPnP IGD (version 1
 * or 2) and NAT-PMP are tried at once, the first that works wins, the mapping is renewed while
 * the room is open and removed when it closes; what the other protocol maps is never allowed
 * to undo it (holdings.ts). A null version does nothing (`--no-upnp`).
 *
 * @module
 */
import { findGateways, localAddressFor, type LocalV4, localV4 } from "./gateway.ts";
import { type Claim, firstClaim, RefusedError } from "./holdings.ts";
import { NatPmpError, natPmpExternalAddress, natPmpMap } from "./natpmp.ts";
import { PcpError, pcpMap, pcpNonce } from "./pcp.ts";
import { openPinhole, type PinholeOutcome, type PinholeSystem } from "./pinhole.ts";
import {
  addPortMapping,
  deletePortMapping,
  describeGateway,
  discoverLocations,
  externalAddress,
  type IgdService,
  UpnpError,
} from "./upnp.ts";
import { describeError } from "../util/mod.ts";

/** How the port was opened. */
export type MappingMethod = "UPnP IGD v1" | "UPnP IGD v2" | "PCP" | "NAT-PMP";

/** An open port on the router. */
export interface PortMapping {
  /** The router's address on the Internet side, as it reports it. */
  externalAddress: string;
  externalPort: number;
  internalPort: number;
  method: MappingMethod;
  /** The router's "public" address is itself private: another NAT stands in the way. */
  behindAnotherNat: boolean;
  /** That address is in the space providers share among customers (100.64.0.0/10). */
  sharedByProvider: boolean;
  /** Removes the mapping (and stops renewing it). */
  close(): Promise<void>;
}

/** What came of asking. */
export type MappingOutcome =
  | { ok: true; mapping: PortMapping }
  | {
    ok: false;
    /**
     * `off`: not asked; `no-router`: nothing answered; `refused`: a router said no;
     * `cgnat`: the router has no public address of its own (the provider shares one among
     * its customers: carrier-grade NAT), so no mapping can let anyone in over IPv4.
     */
    reason: "off" | "no-router" | "refused" | "cgnat";
    /** For people. */
    detail: string;
    /** With `cgnat`: the router's outside address, when it said it (e.g. 100.64.0.2). */
    externalAddress?: string;
  };

/** What came of asking the router, for each way in. */
export interface RouterOutcome {
  ipv4: MappingOutcome;
  ipv6: PinholeOutcome;
}

/** Which ways in to ask for. */
export interface MapScope {
  ipv4: boolean;
  /** `true`: a pinhole for the best global address; a string: for that address only. */
  ipv6: boolean | string;
}

/** Opens ports. */
export interface PortMapper {
  map(internalPort: number, scope?: MapScope): Promise<RouterOutcome>;
}

const OFF = "automatic port opening is off";

/** The mapper of `--no-upnp`: asks nobody. */
export const nullPortMapper: PortMapper = {
  map: () =>
    Promise.resolve({
      ipv4: { ok: false, reason: "off", detail: OFF },
      ipv6: { ok: false, reason: "off", detail: OFF },
    }),
};

/** Whether an IPv4 address is in the shared address space of carrier-grade NAT (RFC 6598). */
export function isSharedV4(address: string): boolean {
  const m = /^100\.(\d+)\./.exec(address);
  return m !== null && Number(m[1]) >= 64 && Number(m[1]) <= 127;
}

/** Whether an IPv4 address cannot be reached from the Internet (private, shared, loopback...). */
export function isPrivateV4(address: string): boolean {
  const m = /^(\d+)\.(\d+)\./.exec(address);
  if (!m) return true;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127);
}

/** Options of the router mapper. */
export interface RouterMapperOptions {
  /** Total time to find a router and get an answer, in ms. Default: 4000. */
  timeoutMs?: number;
  /** Lease asked for, renewed at half-time. Default: 3600 s. */
  leaseSeconds?: number;
  /** The description routers show in their lists. Default: "rt chat room". */
  description?: string;
  /** Local addresses (for tests). Default: this computer's. */
  locals?: () => LocalV4[];
  /** How long PCP may stay silent before NAT-PMP is asked instead, in ms. Default: 1200. */
  pcpSilenceMs?: number;
  /** IPv6 routes and addresses (for tests). Default: this computer's. */
  ipv6System?: PinholeSystem;
}

/** A forwarding one protocol made, as the room holds it (see holdings.ts). */
interface Grant extends Claim {
  method: MappingMethod;
  externalAddress: string;
}

/**
 * The router has no public IPv4 address of its own: it said so (no external address, or one in
 * the shared space of carrier-grade NAT).
 */
class SharedAddressError extends Error {
  readonly externalAddress: string | undefined;
  constructor(how: string, externalAddress?: string) {
    super(
      externalAddress
        ? `the router's outside address, ${externalAddress}, is shared by the provider (${how})`
        : `the router has no public IPv4 address of its own (${how})`,
    );
    this.externalAddress = externalAddress;
  }
}

/** Seconds between renewals of a lease of `seconds` (0: one that never ends). */
function renewEvery(seconds: number): number {
  return Math.max(30, (seconds === 0 ? 1800 : seconds) / 2);
}

/** Asks the router on this network, by UPnP IGD and NAT-PMP at once. */
export class RouterPortMapper implements PortMapper {
  readonly #timeoutMs: number;
  readonly #lease: number;
  readonly #description: string;
  readonly #locals: () => LocalV4[];
  readonly #pcpSilenceMs: number;
  readonly #ipv6System: PinholeSystem | undefined;

  constructor(options: RouterMapperOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 4000;
    this.#lease = options.leaseSeconds ?? 3600;
    this.#description = options.description ?? "rt chat room";
    this.#locals = options.locals ?? localV4;
    this.#pcpSilenceMs = options.pcpSilenceMs ?? 1200;
    this.#ipv6System = options.ipv6System;
  }

  async map(
    internalPort: number,
    scope: MapScope = { ipv4: true, ipv6: true },
  ): Promise<RouterOutcome> {
    const deadline = Date.now() + this.#timeoutMs;
    let foundV4 = (_: string[]) => {};
    const v4Locations = new Promise<string[]>((resolve) => foundV4 = resolve);
    const ipv6: Promise<PinholeOutcome> = scope.ipv6 === false
      ? Promise.resolve({ ok: false, reason: "off", detail: "the room does not listen on IPv6" })
      : openPinhole(internalPort, {
        deadline,
        // A pinhole's lease is at most a day (IGD v2); the same as the mapping's is fine.
        leaseSeconds: Math.min(86400, Math.max(60, this.#lease)),
        v4Locations,
        ...(typeof scope.ipv6 === "string" ? { address: scope.ipv6 } : {}),
        ...(this.#ipv6System ? { system: this.#ipv6System } : {}),
      });
    const ipv4: Promise<MappingOutcome> = scope.ipv4
      ? this.#mapV4(internalPort, deadline, foundV4)
      : Promise.resolve({ ok: false, reason: "off", detail: "the room does not listen on IPv4" });
    if (!scope.ipv4) foundV4([]);
    const [v4, v6] = await Promise.all([ipv4, ipv6]);
    return { ipv4: v4, ipv6: v6 };
  }

  async #mapV4(
    internalPort: number,
    deadline: number,
    foundLocations: (locations: string[]) => void,
  ): Promise<MappingOutcome> {
    const controller = new AbortController();
    // Both protocols may say yes, even to the very same forwarding: the holdings decide what
    // is kept and what is removed, so that the one that lost never removes what won.
    const attempts = [
      this.#upnp(internalPort, deadline, controller.signal, foundLocations),
      this.#pcpOrNatPmp(internalPort, deadline),
    ];
    // The IPv6 side waits for the router's description found over IPv4: it always gets an answer.
    void attempts[0]!.finally(() => foundLocations([])).catch(() => {});
    const outcome = await firstClaim(attempts, this.#timeoutMs + 200);
    controller.abort();
    if (outcome.claim) {
      const first = outcome.claim;
      return {
        ok: true,
        mapping: {
          externalAddress: first.externalAddress,
          externalPort: first.externalPort,
          internalPort,
          method: first.method,
          behindAnotherNat: isPrivateV4(first.externalAddress),
          sharedByProvider: isSharedV4(first.externalAddress),
          close: outcome.close,
        },
      };
    }
    const { failures } = outcome;
    // A router that says its own address is shared, or that it has none, explains every
    // refusal: the provider's NAT, not the router, stands in the way.
    const shared = failures.filter((f): f is SharedAddressError => f instanceof SharedAddressError);
    if (shared.length > 0) {
      const named = shared.find((f) => f.externalAddress) ?? shared[0]!;
      return {
        ok: false,
        reason: "cgnat",
        detail: named.message,
        ...(named.externalAddress ? { externalAddress: named.externalAddress } : {}),
      };
    }
    const refused = failures.find((f) => f instanceof RefusedError);
    if (refused) return { ok: false, reason: "refused", detail: (refused as Error).message };
    return {
      ok: false,
      reason: "no-router",
      detail: "no router answered a request to open the port (UPnP, PCP and NAT-PMP)",
    };
  }

  async #upnp(
    internalPort: number,
    deadline: number,
    signal: AbortSignal,
    foundLocations: (locations: string[]) => void,
  ): Promise<Grant> {
    // Only the default gateway is asked: any device on the LAN may answer a search.
    const gateways = await findGateways(this.#locals());
    const locations = await discoverLocations(Math.min(2000, deadline - Date.now() - 500), {
      from: gateways,
      signal,
    });
    foundLocations(locations);
    let refusal: Error | null = null;
    for (const location of locations) {
      let service: IgdService | null;
      try {
        service = await describeGateway(location, Math.max(200, deadline - Date.now()));
      } catch {
        continue;
      }
      if (!service) continue;
      const routerHost = new URL(service.location).hostname;
      const internalClient = localAddressFor(routerHost, this.#locals());
      if (!internalClient) continue;
      try {
        const external = await externalAddress(service).catch((error) => {
          // miniupnpd, with a private or shared address on its outside, says none.
          if (error instanceof UpnpError && error.upnpCode === null) {
            throw new SharedAddressError("UPnP: it reports no external address");
          }
          throw error;
        });
        const add = (lease: number) =>
          addPortMapping(service!, {
            externalPort: internalPort,
            internalPort,
            internalClient,
            description: this.#description,
            leaseSeconds: lease,
          });
        let lease = this.#lease;
        try {
          await add(lease);
        } catch (error) {
          // 725: OnlyPermanentLeasesSupported (some IGD v1 routers).
          if (!(error instanceof UpnpError && error.upnpCode === 725)) throw error;
          lease = 0;
          await add(lease);
        }
        const svc = service;
        return {
          method: service.igdVersion === 2 ? "UPnP IGD v2" : "UPnP IGD v1",
          externalAddress: external,
          router: routerHost,
          externalPort: internalPort,
          internalClient,
          internalPort,
          removedByExternalPort: true,
          renewEverySeconds: renewEvery(lease),
          renew: () => add(lease),
          remove: () => deletePortMapping(svc, internalPort),
        };
      } catch (error) {
        refusal = error instanceof SharedAddressError
          ? error
          : new RefusedError(`the router refused (UPnP: ${describeError(error)})`);
      }
    }
    throw refusal ?? new Error("no UPnP router");
  }

  /** PCP, or NAT-PMP when the router speaks only that (or PCP stays silent). */
  async #pcpOrNatPmp(internalPort: number, deadline: number): Promise<Grant> {
    const gateways = await findGateways(this.#locals());
    let refusal: Error | null = null;
    let pcpHeard = false;
    for (const gateway of gateways) {
      const left = deadline - Date.now();
      if (left < 300) break;
      const client = localAddressFor(gateway, this.#locals());
      if (!client) continue;
      const nonce = pcpNonce();
      const ask = (lifetimeSeconds: number, suggested: number, timeoutMs: number) =>
        pcpMap({
          server: gateway,
          client,
          internalPort,
          suggestedExternalPort: suggested,
          lifetimeSeconds,
          nonce,
        }, timeoutMs);
      try {
        const granted = await ask(this.#lease, internalPort, Math.min(this.#pcpSilenceMs, left));
        return {
          method: "PCP",
          externalAddress: granted.externalAddress,
          router: gateway,
          externalPort: granted.externalPort,
          internalClient: client,
          internalPort,
          removedByExternalPort: false,
          renewEverySeconds: renewEvery(granted.lifetimeSeconds),
          renew: () => ask(this.#lease, granted.externalPort, 3000),
          remove: () => ask(0, 0, 2000),
        };
      } catch (error) {
        if (error instanceof PcpError) {
          pcpHeard = true;
          // NO_RESOURCES (8) or CANNOT_PROVIDE_EXTERNAL (11) naming a shared address.
          if (error.externalAddress && isSharedV4(error.externalAddress)) {
            refusal = new SharedAddressError(`PCP: ${error.message}`, error.externalAddress);
          } else refusal = new RefusedError(`the router refused (PCP: ${error.message})`);
        }
      }
    }
    if (pcpHeard) throw refusal ?? new Error("PCP refused");
    return await this.#natPmp(internalPort, deadline);
  }

  async #natPmp(internalPort: number, deadline: number): Promise<Grant> {
    const gateways = await findGateways(this.#locals());
    let refusal: Error | null = null;
    for (const gateway of gateways) {
      const left = deadline - Date.now();
      if (left < 300) break;
      try {
        const external = await natPmpExternalAddress(gateway, Math.min(2500, left)).catch(
          (error) => {
            // Result 3, "network failure": the router has no external address.
            if (error instanceof NatPmpError && error.resultCode === 3) {
              throw new SharedAddressError("NAT-PMP: it has no external address");
            }
            throw error;
          },
        );
        const granted = await natPmpMap(gateway, {
          internalPort,
          externalPort: internalPort,
          lifetimeSeconds: this.#lease,
        }, Math.max(300, deadline - Date.now()));
        return {
          method: "NAT-PMP",
          externalAddress: external,
          router: gateway,
          externalPort: granted.externalPort,
          // The router forwards to the computer that asked.
          internalClient: localAddressFor(gateway, this.#locals()) ?? "",
          internalPort,
          removedByExternalPort: false,
          renewEverySeconds: renewEvery(granted.lifetimeSeconds),
          renew: () =>
            natPmpMap(gateway, {
              internalPort,
              externalPort: granted.externalPort,
              lifetimeSeconds: this.#lease,
            }, 3000),
          remove: () =>
            natPmpMap(gateway, { internalPort, externalPort: 0, lifetimeSeconds: 0 }, 2000),
        };
      } catch (error) {
        if (error instanceof SharedAddressError) refusal = error;
        else if (error instanceof NatPmpError) {
          refusal = new RefusedError(`the router refused (NAT-PMP: ${error.message})`);
        }
      }
    }
    throw refusal ?? new Error("no NAT-PMP router");
  }
}
