/**
 * A hostile device on a LAN, run by `upnp_hostile_test.ts` inside the router lab's LAN
 * namespace: it answers every SSDP search at once, before the router can, with a description
 * of its own whose "router" claims a made-up public address and accepts any port mapping.
 * It prints one JSON line per thing that happened: `ready`, `search`, `request`.
 *
 * Usage: deno run --allow-net hostile_upnp_device.ts ADDRESS
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";

const address = Deno.args[0] ?? "10.77.0.3";
const SERVICE = "urn:schemas-upnp-org:service:WANIPConnection:2";
const say = (event: Record<string, unknown>) => console.log(JSON.stringify(event));

const server = Deno.serve({ hostname: address, port: 0, onListen: () => {} }, async (request) => {
  const url = new URL(request.url);
  const action = request.headers.get("soapaction") ?? "";
  await request.body?.cancel();
  say({ type: "request", path: url.pathname, action });
  if (url.pathname === "/rootDesc.xml") {
    return new Response(
      `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>` +
        `<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>` +
        `<serviceList><service><serviceType>${SERVICE}</serviceType>` +
        `<controlURL>/ctl</controlURL></service></serviceList></device></root>`,
      { headers: { "content-type": "text/xml" } },
    );
  }
  const body = action.includes("GetExternalIPAddress")
    ? "<NewExternalIPAddress>6.6.6.6</NewExternalIPAddress>"
    : "";
  return new Response(
    `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">` +
      `<s:Body><u:Response xmlns:u="${SERVICE}">${body}</u:Response></s:Body></s:Envelope>`,
    { headers: { "content-type": "text/xml" } },
  );
});

const location = `http://${address}:${server.addr.port}/rootDesc.xml`;
const replies = dgram.createSocket({ type: "udp4" });
await new Promise<void>((resolve) => replies.bind(0, address, () => resolve()));
const listener = dgram.createSocket({ type: "udp4", reuseAddr: true });
listener.on("message", (message: Buffer, from: { address: string; port: number }) => {
  const text = message.toString("latin1");
  if (!text.startsWith("M-SEARCH")) return;
  say({ type: "search", from: from.address });
  const answer = `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: ${SERVICE}\r\n` +
    `USN: uuid:hostile::${SERVICE}\r\nEXT:\r\nSERVER: Linux UPnP/1.1 hostile/1\r\n` +
    `LOCATION: ${location}\r\n\r\n`;
  replies.send(Buffer.from(answer), from.port, from.address);
});
await new Promise<void>((resolve) => listener.bind(1900, () => resolve()));
listener.addMembership("239.255.255.250", address);
say({ type: "ready", location });
