/**
 * A UPnP Internet Gateway Device client, for IGD version 1 and version 2 alike: SSDP
 * discovery, the device description, and the WANIPConnection (or WANPPPConnection) SOAP
 * actions rt needs. Only the router on this computer's network is ever contacted: answers from
 * anyone but the default gateway are ignored, and every request goes to the origin of the
 * gateway's own description.
 *
 * @module
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { canonicalIpv6 } from "../util/mod.ts";

const SSDP_ADDRESS = "239.255.255.250";
/** SSDP's link-local IPv6 group. */
const SSDP_ADDRESS_V6 = "ff02::c";
const SSDP_PORT = 1900;
const SEARCH_TARGETS = [
  "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
  "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
];
/** Over IPv6, what opens pinholes: IGD v2's firewall control service. */
const SEARCH_TARGETS_V6 = [
  "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1",
  "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
];
/** The service of IGD v2 that opens IPv6 pinholes. */
export const FIREWALL_SERVICE = "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1";
const SERVICE_TYPES = [
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
  "urn:schemas-upnp-org:service:WANPPPConnection:1",
];

/** One service of a router's description, where its actions are sent. */
export interface UpnpService {
  /** Where the description came from. */
  location: string;
  /** The service type, e.g. `urn:schemas-upnp-org:service:WANIPConnection:2`. */
  serviceType: string;
  /** The absolute control URL. */
  controlUrl: string;
}

/** A router's port-mapping service. */
export interface IgdService extends UpnpService {
  /** 1 or 2. */
  igdVersion: 1 | 2;
}

/** An error answer from the router (UPnP error code and description). */
export class UpnpError extends Error {
  readonly upnpCode: number | null;
  constructor(message: string, upnpCode: number | null) {
    super(message);
    this.name = "UpnpError";
    this.upnpCode = upnpCode;
  }
}

/** Where and from whom {@link discoverLocations} listens. */
export interface DiscoveryOptions {
  /**
   * The addresses whose answers count: the default gateway (see `findGateways`). Anyone on the
   * LAN can answer a search, and what they describe is where rt would send its requests; so an
   * answer counts only when it comes from one of these and its LOCATION is on that very
   * address. With none, nothing is searched for.
   */
  from: readonly string[];
  signal?: AbortSignal;
  /** Where searches go. Default: the SSDP multicast group (tests give a unicast address). */
  target?: { address: string; port: number };
  /**
   * 6: search over IPv6, on SSDP's link-local group `ff02::c` out of each of `interfaces`, for
   * the firewall control service. A router answers from its link-local address and names a
   * description on its global one: an answer counts when it comes from one of `from` or its
   * LOCATION is on one of them (never on a link-local address, which needs a zone). Default 4.
   */
  family?: 4 | 6;
  /** With family 6: the interfaces to search on (those of the default routes). */
  interfaces?: readonly string[];
  /**
   * With family 6: every answer naming a description on a global address counts, whoever
   * sent it; the caller checks that it is the router's (see {@link deviceId}).
   */
  anyone?: boolean;
}

/** The LOCATION of an SSDP answer, as a URL without credentials, or `null`. */
function locationOf(text: string): URL | null {
  const location = /^location:\s*(\S+)\s*$/im.exec(text)?.[1];
  if (!location || location.length >= 512 || !/^https?:\/\//i.test(location)) return null;
  try {
    const url = new URL(location);
    return url.username === "" && url.password === "" ? url : null;
  } catch {
    return null;
  }
}

/** The host of a URL as an address: IPv6 without its brackets, in canonical form. */
function hostAddress(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return canonicalIpv6(host) ?? host;
}

/** The description an answer from `sender` names, when it counts (see DiscoveryOptions). */
function acceptedLocation(
  text: string,
  sender: string,
  from: Set<string>,
  family: 4 | 6,
  anyone: boolean,
): string | null {
  const url = locationOf(text);
  if (!url) return null;
  const host = hostAddress(url);
  if (family === 4) return from.has(sender) && host === sender ? url.href : null;
  const source = canonicalIpv6(sender) ?? sender;
  // Link-local needs a zone; an IPv4 host, even written as IPv6 (::ffff:a.b.c.d), is not IPv6.
  if (isLinkLocal(host) || !host.includes(":") || /^::ffff:[^:]+:[^:]+$/.test(host)) return null;
  return anyone || from.has(source) || from.has(host) ? url.href : null;
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * Sends SSDP searches and collects the description URLs that the gateway answers with:
 * everything heard within 200 ms of its first answer, or nothing once `timeoutMs` has passed.
 * Answers from anyone else, or naming a description elsewhere, are ignored.
 */
export function discoverLocations(timeoutMs: number, options: DiscoveryOptions): Promise<string[]> {
  const { signal } = options;
  const family = options.family ?? 4;
  const from = new Set(options.from.map((a) => canonicalIpv6(a) ?? a));
  const targets = options.target
    ? [options.target]
    : family === 4
    ? [{ address: SSDP_ADDRESS, port: SSDP_PORT }]
    : (options.interfaces ?? []).map((i) => ({
      address: `${SSDP_ADDRESS_V6}%${i}`,
      port: SSDP_PORT,
    }));
  if ((from.size === 0 && !options.anyone) || targets.length === 0) return Promise.resolve([]);
  const searchTargets = family === 4 ? SEARCH_TARGETS : SEARCH_TARGETS_V6;
  const hostHeader = family === 4 ? `${SSDP_ADDRESS}:${SSDP_PORT}` : `[FF02::C]:${SSDP_PORT}`;
  return new Promise((resolve) => {
    const found = new Set<string>();
    const socket = dgram.createSocket({ type: family === 4 ? "udp4" : "udp6" });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(resend);
      clearTimeout(settle);
      signal?.removeEventListener("abort", finish);
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      resolve([...found]);
    };
    const timer = setTimeout(finish, timeoutMs);
    let settle: ReturnType<typeof setTimeout> | undefined;
    signal?.addEventListener("abort", finish);
    socket.on("error", finish);
    socket.on("message", (message: Buffer, sender: { address: string }) => {
      if (found.size >= 16) return;
      const text = message.toString("latin1");
      if (!/^HTTP\/1\.[01] 200/i.test(text) && !/^NOTIFY/i.test(text)) return;
      const location = acceptedLocation(text, sender.address, from, family, !!options.anyone);
      if (location) {
        if (found.size === 0) settle = setTimeout(finish, 200);
        found.add(location);
      }
    });
    const search = () => {
      for (const st of searchTargets) {
        const request = [
          "M-SEARCH * HTTP/1.1",
          `HOST: ${hostHeader}`,
          'MAN: "ssdp:discover"',
          "MX: 1",
          `ST: ${st}`,
          "",
          "",
        ].join("\r\n");
        for (const target of targets) {
          socket.send(Buffer.from(request), target.port, target.address, () => {});
        }
      }
    };
    // Searches again once: UDP may drop the first.
    let resend: ReturnType<typeof setTimeout> | undefined;
    socket.bind(0, () => {
      if (done) return;
      try {
        search();
        resend = setTimeout(() => !done && search(), Math.min(600, timeoutMs / 3));
      } catch {
        finish();
      }
    });
  });
}

/** The text of the first element `name` (any namespace prefix) in `xml`, or `null`. */
export function tag(xml: string, name: string): string | null {
  const m = new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`, "i").exec(xml);
  return m ? m[1]!.trim() : null;
}

/**
 * Fetches `url` (redirects are errors: the router answers itself) and reads at most `maxBytes`
 * of its body, all within `timeoutMs`.
 */
async function fetchText(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  maxBytes: number,
): Promise<{ response: Response; text: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { ...init, redirect: "error", signal: controller.signal });
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      while (size < maxBytes) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value.subarray(0, maxBytes - size));
        size += value.length;
      }
      if (size >= maxBytes) await reader.cancel().catch(() => {});
    }
    const body = new Uint8Array(Math.min(size, maxBytes));
    let at = 0;
    for (const chunk of chunks) {
      body.set(chunk, at);
      at += chunk.length;
    }
    return { response, text: new TextDecoder().decode(body) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The absolute control URL for `control`, resolved against the description's `location` (or
 * its `URLBase` when that is on the same origin), when it is on the description's own origin
 * (scheme, host and port); otherwise `null`.
 */
export function controlUrlFor(
  control: string,
  location: string,
  urlBase: string | null,
): string | null {
  try {
    const origin = new URL(location).origin;
    let base = location;
    if (urlBase) {
      try {
        if (new URL(urlBase).origin === origin) base = urlBase;
      } catch {
        // Not a URL: ignored.
      }
    }
    const url = new URL(control, base);
    if (url.origin !== origin || url.username !== "" || url.password !== "") return null;
    return url.href;
  } catch {
    return null;
  }
}

/** The first service of `types` (in that order) a description offers, or `null`. */
function findService(xml: string, location: string, types: string[]): UpnpService | null {
  const base = tag(xml, "URLBase");
  const services = xml.split(/<service>/i).slice(1);
  for (const serviceType of types) {
    for (const service of services) {
      if (tag(service, "serviceType") !== serviceType) continue;
      const control = tag(service, "controlURL");
      const controlUrl = control ? controlUrlFor(control, location, base) : null;
      if (controlUrl) return { location, serviceType, controlUrl };
    }
  }
  return null;
}

async function fetchDescription(location: string, timeoutMs: number): Promise<string | null> {
  const { response, text } = await fetchText(location, {}, timeoutMs, 256 * 1024);
  return response.ok ? text : null;
}

/** Reads a device description and finds its port-mapping service, or `null`. */
export async function describeGateway(
  location: string,
  timeoutMs = 2000,
): Promise<IgdService | null> {
  const xml = await fetchDescription(location, timeoutMs);
  if (xml === null) return null;
  const found = findService(xml, location, SERVICE_TYPES);
  if (!found) return null;
  const version = /InternetGatewayDevice:2/.test(xml) ? 2 : 1;
  return { ...found, igdVersion: found.serviceType.endsWith(":2") ? 2 : version };
}

/** A router's IPv6 firewall control service, and which device it is. */
export interface FirewallService extends UpnpService {
  /** The root device's unique name (its `UDN`), the same whichever address describes it. */
  deviceId: string | null;
}

/** Reads a device description and finds its IPv6 firewall control service, or `null`. */
export async function describeFirewall(
  location: string,
  timeoutMs = 2000,
): Promise<FirewallService | null> {
  const xml = await fetchDescription(location, timeoutMs);
  const found = xml === null ? null : findService(xml, location, [FIREWALL_SERVICE]);
  return found ? { ...found, deviceId: tag(xml!, "UDN") } : null;
}

/** The root device's unique name (`UDN`) in the description at `location`, or `null`. */
export async function deviceId(location: string, timeoutMs = 2000): Promise<string | null> {
  const xml = await fetchDescription(location, timeoutMs).catch(() => null);
  return xml === null ? null : tag(xml, "UDN");
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Calls one SOAP action; returns the response body, or throws `UpnpError`. */
export async function soap(
  service: UpnpService,
  action: string,
  args: Record<string, string | number>,
  timeoutMs = 2000,
): Promise<string> {
  const body = `<?xml version="1.0"?>\r\n` +
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ` +
    `s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>` +
    `<u:${action} xmlns:u="${service.serviceType}">` +
    Object.entries(args).map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join("") +
    `</u:${action}></s:Body></s:Envelope>\r\n`;
  const { response, text } = await fetchText(
    service.controlUrl,
    {
      method: "POST",
      headers: {
        "Content-Type": 'text/xml; charset="utf-8"',
        SOAPAction: `"${service.serviceType}#${action}"`,
      },
      body,
    },
    timeoutMs,
    64 * 1024,
  );
  if (!response.ok) {
    const code = tag(text, "errorCode");
    const description = tag(text, "errorDescription") ?? `HTTP ${response.status}`;
    throw new UpnpError(`${action}: ${description}`, code ? Number(code) : null);
  }
  return text;
}

/** The router's external address. */
export async function externalAddress(service: IgdService): Promise<string> {
  const text = await soap(service, "GetExternalIPAddress", {});
  const address = tag(text, "NewExternalIPAddress");
  if (!address || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
    throw new UpnpError("The router did not say its external address", null);
  }
  return address;
}

/** Asks for `externalPort` → `internalClient:internalPort` (TCP) for `leaseSeconds`. */
export async function addPortMapping(
  service: IgdService,
  mapping: {
    externalPort: number;
    internalPort: number;
    internalClient: string;
    description: string;
    leaseSeconds: number;
  },
): Promise<void> {
  await soap(service, "AddPortMapping", {
    NewRemoteHost: "",
    NewExternalPort: mapping.externalPort,
    NewProtocol: "TCP",
    NewInternalPort: mapping.internalPort,
    NewInternalClient: mapping.internalClient,
    NewEnabled: 1,
    NewPortMappingDescription: mapping.description,
    NewLeaseDuration: mapping.leaseSeconds,
  });
}

/** Removes a mapping. */
export async function deletePortMapping(service: IgdService, externalPort: number): Promise<void> {
  await soap(service, "DeletePortMapping", {
    NewRemoteHost: "",
    NewExternalPort: externalPort,
    NewProtocol: "TCP",
  });
}
