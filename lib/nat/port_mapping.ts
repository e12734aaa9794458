/**
 * Opening the room's port on the home router, behind one small interface: UPnP IGD (version 1
 * or 2) and NAT-PMP are tried at once, the first that works wins, the mapping is renewed while
 * the room is open and removed when it closes; what the other protocol maps is never allowed
 * to undo it (holdings.ts). A null version does nothing (`--no-upnp`).
 *
 * @module
 */
import { findGateways, localAddressFor, type LocalV4, localV4 } from "./gateway.ts";
import { type Claim, Holdings } from "./holdings.ts";
import { natPmpExternalAddress, natPmpMap } from "./natpmp.ts";
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
export type MappingMethod = "UPnP IGD v1" | "UPnP IGD v2" | "NAT-PMP";

/** An open port on the router. */
export interface PortMapping {
  /** The router's address on the Internet side, as it reports it. */
  externalAddress: string;
  externalPort: number;
  internalPort: number;
  method: MappingMethod;
  /** The router's "public" address is itself private: another NAT stands in the way. */
  behindAnotherNat: boolean;
  /** Removes the mapping (and stops renewing it). */
  close(): Promise<void>;
}

/** What came of asking. */
export type MappingOutcome =
  | { ok: true; mapping: PortMapping }
  | {
    ok: false;
    /** `off`: not asked; `no-router`: nothing answered; `refused`: a router said no. */
    reason: "off" | "no-router" | "refused";
    /** For people. */
    detail: string;
  };

/** Opens ports. */
export interface PortMapper {
  map(internalPort: number): Promise<MappingOutcome>;
}

/** The mapper of `--no-upnp`: asks nobody. */
export const nullPortMapper: PortMapper = {
  map: () => Promise.resolve({ ok: false, reason: "off", detail: "automatic port opening is off" }),
};

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
}

/** A forwarding one protocol made, as the room holds it (see holdings.ts). */
interface Grant extends Claim {
  method: MappingMethod;
  externalAddress: string;
}

class RefusedError extends Error {}

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

  constructor(options: RouterMapperOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 4000;
    this.#lease = options.leaseSeconds ?? 3600;
    this.#description = options.description ?? "rt chat room";
    this.#locals = options.locals ?? localV4;
  }

  async map(internalPort: number): Promise<MappingOutcome> {
    const controller = new AbortController();
    const deadline = Date.now() + this.#timeoutMs;
    // Both protocols may say yes, even to the very same forwarding: the holdings decide what
    // is kept and what is removed, so that the one that lost never removes what won.
    const holdings = new Holdings<Grant>();
    const attempts = [
      this.#upnp(internalPort, deadline, controller.signal),
      this.#natPmp(internalPort, deadline),
    ];
    for (const attempt of attempts) holdings.follow(attempt);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.#timeoutMs + 200);
    });
    const first = await Promise.race([
      holdings.won,
      holdings.settled(), // the winner, or null once every attempt failed
      timeout,
    ]);
    clearTimeout(timer);
    controller.abort();
    if (first) {
      let closing: Promise<void> | null = null;
      return {
        ok: true,
        mapping: {
          externalAddress: first.externalAddress,
          externalPort: first.externalPort,
          internalPort,
          method: first.method,
          behindAnotherNat: isPrivateV4(first.externalAddress),
          close: () => closing ??= holdings.close(),
        },
      };
    }
    // Nothing won in time: whatever still comes is removed as it comes.
    void holdings.close();
    const results = await Promise.race([
      Promise.allSettled(attempts),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 0)),
    ]);
    const refused = results?.find((r) =>
      r.status === "rejected" && r.reason instanceof RefusedError
    );
    if (refused && refused.status === "rejected") {
      return { ok: false, reason: "refused", detail: (refused.reason as Error).message };
    }
    return {
      ok: false,
      reason: "no-router",
      detail: "no router answered a request to open the port (UPnP and NAT-PMP)",
    };
  }

  async #upnp(internalPort: number, deadline: number, signal: AbortSignal): Promise<Grant> {
    // Only the default gateway is asked: any device on the LAN may answer a search.
    const gateways = await findGateways(this.#locals());
    const locations = await discoverLocations(Math.min(2000, deadline - Date.now() - 500), {
      from: gateways,
      signal,
    });
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
        const external = await externalAddress(service);
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
        refusal = new RefusedError(
          `the router refused (UPnP: ${describeError(error)})`,
        );
      }
    }
    throw refusal ?? new Error("no UPnP router");
  }

  async #natPmp(internalPort: number, deadline: number): Promise<Grant> {
    const gateways = await findGateways(this.#locals());
    let refusal: Error | null = null;
    for (const gateway of gateways) {
      const left = deadline - Date.now();
      if (left < 300) break;
      try {
        const external = await natPmpExternalAddress(gateway, Math.min(2500, left));
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
        if (error instanceof Error && /router answered/.test(error.message)) {
          refusal = new RefusedError(`the router refused (NAT-PMP: ${error.message})`);
        }
      }
    }
    throw refusal ?? new Error("no NAT-PMP router");
  }
}
