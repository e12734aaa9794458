/**
 * Opening the room's port on the home router, behind one small interface: UPnP IGD (version 1
 * or 2) and NAT-PMP are tried at once, the first that works wins, the mapping is renewed while
 * the room is open and removed when it closes. A null version does nothing (`--no-upnp`).
 *
 * @module
 */
import { findGateways, localAddressFor, type LocalV4, localV4 } from "./gateway.ts";
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

interface Attempt {
  mapping: PortMapping;
}

class RefusedError extends Error {}

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
    const attempts = [
      this.#upnp(internalPort, deadline, controller.signal),
      this.#natPmp(internalPort, deadline),
    ];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.#timeoutMs + 200);
    });
    const first = await Promise.race([
      Promise.any(attempts).catch(() => null),
      timeout,
    ]);
    clearTimeout(timer);
    controller.abort();
    // Whatever else succeeded (late, or second) is undone: one mapping is enough.
    void Promise.allSettled(attempts).then((results) => {
      for (const r of results) {
        if (r.status === "fulfilled" && r.value !== first) void r.value.mapping.close();
      }
    });
    if (first) return { ok: true, mapping: first.mapping };
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

  #renewing(renew: () => Promise<unknown>, seconds: number, remove: () => Promise<unknown>) {
    const interval = setInterval(
      () => void renew().catch(() => {}),
      Math.max(30, seconds / 2) * 1000,
    );
    let closed = false;
    return async () => {
      if (closed) return;
      closed = true;
      clearInterval(interval);
      await remove().catch(() => {});
    };
  }

  async #upnp(internalPort: number, deadline: number, signal: AbortSignal): Promise<Attempt> {
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
        const close = this.#renewing(
          () => add(lease),
          lease === 0 ? 1800 : lease,
          () => deletePortMapping(svc, internalPort),
        );
        return {
          mapping: {
            externalAddress: external,
            externalPort: internalPort,
            internalPort,
            method: service.igdVersion === 2 ? "UPnP IGD v2" : "UPnP IGD v1",
            behindAnotherNat: isPrivateV4(external),
            close,
          },
        };
      } catch (error) {
        refusal = new RefusedError(
          `the router refused (UPnP: ${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
    throw refusal ?? new Error("no UPnP router");
  }

  async #natPmp(internalPort: number, deadline: number): Promise<Attempt> {
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
        const renew = () =>
          natPmpMap(gateway, {
            internalPort,
            externalPort: granted.externalPort,
            lifetimeSeconds: this.#lease,
          }, 3000);
        const close = this.#renewing(
          renew,
          granted.lifetimeSeconds,
          () => natPmpMap(gateway, { internalPort, externalPort: 0, lifetimeSeconds: 0 }, 2000),
        );
        return {
          mapping: {
            externalAddress: external,
            externalPort: granted.externalPort,
            internalPort,
            method: "NAT-PMP",
            behindAnotherNat: isPrivateV4(external),
            close,
          },
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
