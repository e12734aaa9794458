/**
 * A UPnP Internet Gateway Device client, for IGD version 1 and version 2 alike: SSDP
 * discovery, the device description, and the WANIPConnection (or WANPPPConnection) SOAP
 * actions rt needs. Only the router on this computer's network is ever contacted.
 *
 * @module
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";

const SSDP_ADDRESS = "239.255.255.250";
const SSDP_PORT = 1900;
const SEARCH_TARGETS = [
  "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
  "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
];
const SERVICE_TYPES = [
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
  "urn:schemas-upnp-org:service:WANPPPConnection:1",
];

/** A router's port-mapping service. */
export interface IgdService {
  /** Where the description came from. */
  location: string;
  /** The service type, e.g. `urn:schemas-upnp-org:service:WANIPConnection:2`. */
  serviceType: string;
  /** The absolute control URL. */
  controlUrl: string;
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

/**
 * Sends SSDP searches and collects the description URLs that answer: everything heard within
 * 200 ms of the first answer, or nothing once `timeoutMs` has passed.
 */
export function discoverLocations(timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
  return new Promise((resolve) => {
    const found = new Set<string>();
    const socket = dgram.createSocket({ type: "udp4" });
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
    socket.on("message", (message: Buffer) => {
      const text = message.toString("latin1");
      if (!/^HTTP\/1\.[01] 200/i.test(text) && !/^NOTIFY/i.test(text)) return;
      const location = /^location:\s*(\S+)\s*$/im.exec(text)?.[1];
      if (location && /^https?:\/\//i.test(location) && location.length < 512) {
        if (found.size === 0) settle = setTimeout(finish, 200);
        found.add(location);
      }
    });
    const search = () => {
      for (const target of SEARCH_TARGETS) {
        const request = [
          "M-SEARCH * HTTP/1.1",
          `HOST: ${SSDP_ADDRESS}:${SSDP_PORT}`,
          'MAN: "ssdp:discover"',
          "MX: 1",
          `ST: ${target}`,
          "",
          "",
        ].join("\r\n");
        socket.send(Buffer.from(request), SSDP_PORT, SSDP_ADDRESS, () => {});
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

function tag(xml: string, name: string): string | null {
  const m = new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`, "i").exec(xml);
  return m ? m[1]!.trim() : null;
}

async function fetchText(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a device description and finds its port-mapping service, or `null`. */
export async function describeGateway(
  location: string,
  timeoutMs = 2000,
): Promise<IgdService | null> {
  const response = await fetchText(location, {}, timeoutMs);
  const xml = (await response.text()).slice(0, 256 * 1024);
  if (!response.ok) return null;
  const version = /InternetGatewayDevice:2/.test(xml) ? 2 : 1;
  const base = tag(xml, "URLBase") || location;
  for (const serviceType of SERVICE_TYPES) {
    const services = xml.split(/<service>/i).slice(1);
    for (const service of services) {
      if (tag(service, "serviceType") !== serviceType) continue;
      const control = tag(service, "controlURL");
      if (!control) continue;
      return {
        location,
        serviceType,
        controlUrl: new URL(control, base).href,
        igdVersion: serviceType.endsWith(":2") ? 2 : version as 1 | 2,
      };
    }
  }
  return null;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Calls one SOAP action; returns the response body, or throws `UpnpError`. */
export async function soap(
  service: IgdService,
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
  const response = await fetchText(service.controlUrl, {
    method: "POST",
    headers: {
      "Content-Type": 'text/xml; charset="utf-8"',
      SOAPAction: `"${service.serviceType}#${action}"`,
    },
    body,
  }, timeoutMs);
  const text = (await response.text()).slice(0, 64 * 1024);
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
