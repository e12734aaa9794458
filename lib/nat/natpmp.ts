/**
 * A NAT-PMP client (RFC 6886): the external address and TCP port mappings, asked of the
 * default gateway on UDP port 5351, with the RFC's retransmissions (250 ms, doubling).
 *
 * @module
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";

const PORT = 5351;
const RESULTS = [
  "success",
  "unsupported version",
  "not authorized or refused",
  "network failure",
  "out of resources",
  "unsupported opcode",
];

/** An answer the gateway gave with a non-zero result code. */
export class NatPmpError extends Error {
  readonly resultCode: number;
  constructor(resultCode: number) {
    super(`The router answered: ${RESULTS[resultCode] ?? `result ${resultCode}`}`);
    this.name = "NatPmpError";
    this.resultCode = resultCode;
  }
}

/** Sends `request` to the gateway and resolves with the first answer of the right shape. */
function ask(
  gateway: string,
  request: Uint8Array,
  expectOp: number,
  size: number,
  timeoutMs: number,
): Promise<DataView> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: "udp4" });
    let done = false;
    let delay = 250;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: Error | null, view?: DataView) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(retry);
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      if (error) reject(error);
      else resolve(view!);
    };
    const timer = setTimeout(
      () => finish(new Error("The router did not answer (NAT-PMP)")),
      timeoutMs,
    );
    socket.on("error", (error: Error) => finish(error));
    socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
      if (from.address !== gateway || from.port !== PORT || message.length < size) return;
      const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
      if (view.getUint8(0) !== 0 || view.getUint8(1) !== expectOp) return;
      const result = view.getUint16(2);
      finish(result === 0 ? null : new NatPmpError(result), view);
    });
    const send = () => {
      if (done) return;
      socket.send(Buffer.from(request), PORT, gateway, () => {});
      retry = setTimeout(send, delay);
      delay *= 2;
    };
    socket.bind(0, () => {
      try {
        send();
      } catch (error) {
        finish(error as Error);
      }
    });
  });
}

/** The gateway's external address. */
export async function natPmpExternalAddress(gateway: string, timeoutMs: number): Promise<string> {
  const view = await ask(gateway, new Uint8Array([0, 0]), 128, 12, timeoutMs);
  return [8, 9, 10, 11].map((i) => view.getUint8(i)).join(".");
}

/**
 * Maps TCP `internalPort` for `lifetimeSeconds` (0 removes it). Returns the external port and
 * the lifetime the gateway granted.
 */
export async function natPmpMap(
  gateway: string,
  mapping: { internalPort: number; externalPort: number; lifetimeSeconds: number },
  timeoutMs: number,
): Promise<{ externalPort: number; lifetimeSeconds: number }> {
  const request = new Uint8Array(12);
  const view = new DataView(request.buffer);
  view.setUint8(1, 2); // TCP
  view.setUint16(4, mapping.internalPort);
  view.setUint16(6, mapping.externalPort);
  view.setUint32(8, mapping.lifetimeSeconds);
  const answer = await ask(gateway, request, 130, 16, timeoutMs);
  return { externalPort: answer.getUint16(10), lifetimeSeconds: answer.getUint32(12) };
}
