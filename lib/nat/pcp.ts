/**
 * A PCP client (RFC 6887, Port Control Protocol) for one operation, MAP, for TCP: a port mapping
 * on an IPv4 router, or a pinhole in an IPv6 router's firewall, asked of the default gateway on
 * UDP port 5351 (NAT-PMP's port; PCP is its successor) with NAT-PMP's retransmissions (250 ms,
 * doubling).
 *
 * Every datagram is taken as hostile: only an answer from the server's address and port, of a
 * PCP MAP response's size and shape, echoing the request's nonce, protocol and internal port, is
 * read, and anything else is ignored while the client keeps waiting. Two answers say "no PCP
 * here" instead: NAT-PMP's "unsupported version" (version 0, result 1), and PCP's UNSUPP_VERSION.
 *
 * @module
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { equalBytes, formatIpv6, ipv6Groups } from "../util/mod.ts";

/** The UDP port PCP servers listen on (RFC 6887 19.1). */
export const PCP_PORT = 5351;

const VERSION = 2;
const OPCODE_MAP = 1;
const RESPONSE = 0x80;
const TCP = 6;
const MAP_SIZE = 60;
const MAX_SIZE = 1100;

/** RFC 6887 7.4: each result code's name, and what it says in words. */
const RESULTS: Record<number, [string, string]> = {
  1: ["UNSUPP_VERSION", "unsupported version"],
  2: ["NOT_AUTHORIZED", "not authorized"],
  3: ["MALFORMED_REQUEST", "malformed request"],
  4: ["UNSUPP_OPCODE", "unsupported opcode"],
  5: ["UNSUPP_OPTION", "unsupported option"],
  6: ["MALFORMED_OPTION", "malformed option"],
  7: ["NETWORK_FAILURE", "network failure"],
  8: ["NO_RESOURCES", "no resources"],
  9: ["UNSUPP_PROTOCOL", "unsupported protocol"],
  10: ["USER_EX_QUOTA", "user exceeded quota"],
  11: ["CANNOT_PROVIDE_EXTERNAL", "cannot provide the suggested external address or port"],
  12: ["ADDRESS_MISMATCH", "address mismatch"],
  13: ["EXCESSIVE_REMOTE_PEERS", "excessive remote peers"],
};

/** 12 random bytes. */
export function pcpNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(12));
}

/** A MAP request for TCP. */
export interface PcpMapRequest {
  /** The PCP server (the default gateway), IPv4 or IPv6 literal. */
  server: string;
  /** This computer's address the router sees: the socket binds to it and the request's client IP field carries it (IPv4-mapped for IPv4). */
  client: string;
  internalPort: number;
  /** 0: any. */
  suggestedExternalPort: number;
  /** Default: all zeros of the family (::ffff:0.0.0.0 for IPv4, :: for IPv6). */
  suggestedExternalAddress?: string;
  /** 0 deletes the mapping. */
  lifetimeSeconds: number;
  /** The mapping's nonce: the same for renewals and the deletion. */
  nonce: Uint8Array;
  /** For tests: the server's port. Default PCP_PORT. */
  port?: number;
}

/** What the server granted: the external address (a dotted quad for IPv4), port and lifetime. */
export interface PcpMapResult {
  externalAddress: string;
  externalPort: number;
  lifetimeSeconds: number;
  /** The server's epoch (RFC 6887 8.5): it goes back when the server has lost its mappings. */
  epochSeconds: number;
}

/** A PCP answer with a non-zero result code; `externalAddress` when the answer carried one that is not all zeros (a CGNAT router answers NO_RESOURCES=8 yet names its shared address, e.g. 100.64.0.2). */
export class PcpError extends Error {
  readonly resultCode: number;
  readonly externalAddress: string | null;
  constructor(resultCode: number, externalAddress: string | null = null) {
    const known = RESULTS[resultCode];
    super(
      known
        ? `The router answered: ${known[1]} (PCP ${known[0]})`
        : `The router answered: result ${resultCode} (PCP)`,
    );
    this.name = "PcpError";
    this.resultCode = resultCode;
    this.externalAddress = externalAddress;
  }
}

/** The server speaks only NAT-PMP (it answered version 0 with result 1 "unsupported version"), or answered PCP UNSUPP_VERSION. */
export class PcpUnsupportedError extends Error {
  constructor(message = "The router does not speak PCP (it answered: unsupported version)") {
    super(message);
    this.name = "PcpUnsupportedError";
  }
}

/** The four bytes of a dotted quad, or `null` when `address` is not one. */
function ipv4Bytes(address: string): number[] | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  const bytes = match?.slice(1).map(Number);
  return bytes && bytes.every((b) => b <= 255) ? bytes : null;
}

/** Whether `address` is an IPv6 literal rather than IPv4 (it has a colon). */
function isIpv6(address: string): boolean {
  return address.includes(":");
}

/**
 * The 16 bytes PCP carries for an address: IPv6 as it is (without a zone such as `%eth0`), IPv4
 * as IPv4-mapped IPv6 (::ffff:a.b.c.d). Throws `TypeError` when `address` is neither.
 */
export function addressToBytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const v4 = ipv4Bytes(address);
  if (v4) {
    bytes.set([0xff, 0xff, ...v4], 10);
    return bytes;
  }
  const groups = isIpv6(address) ? ipv6Groups(address) : null;
  if (!groups) throw new TypeError(`Not an IP address: "${address}"`);
  groups.forEach((group, i) => bytes.set([group >> 8, group & 0xff], 2 * i));
  return bytes;
}

/**
 * The text of 16 address bytes: IPv4-mapped as a dotted quad, anything else as IPv6 the way
 * Deno prints it (RFC 5952: lowercase, and the first longest run of two or more zero groups
 * written "::"). Throws `RangeError` unless there are 16 bytes.
 */
export function bytesToAddress(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`An IP address is 16 bytes, not ${bytes.length}`);
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.subarray(12).join(".");
  }
  return formatIpv6(Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!));
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, not ${value}`);
  }
}

/**
 * A MAP request's 60 bytes (RFC 6887 7.1 and 11.1): the common header (version 2, opcode MAP,
 * the requested lifetime, the client's address), then the nonce, TCP, the internal port, and the
 * suggested external port and address. Throws `TypeError` or `RangeError` on a bad field.
 */
export function encodeMapRequest(request: Omit<PcpMapRequest, "server" | "port">): Uint8Array {
  if (request.nonce.length !== 12) {
    throw new RangeError(`A PCP nonce is 12 bytes, not ${request.nonce.length}`);
  }
  checkRange("The internal port", request.internalPort, 1, 65535);
  checkRange("The suggested external port", request.suggestedExternalPort, 0, 65535);
  checkRange("The lifetime", request.lifetimeSeconds, 0, 0xffffffff);
  const suggested = request.suggestedExternalAddress ??
    (isIpv6(request.client) ? "::" : "0.0.0.0");
  const bytes = new Uint8Array(MAP_SIZE);
  const view = new DataView(bytes.buffer);
  bytes[0] = VERSION;
  bytes[1] = OPCODE_MAP; // the R bit clear: a request
  view.setUint32(4, request.lifetimeSeconds);
  bytes.set(addressToBytes(request.client), 8);
  bytes.set(request.nonce, 24);
  bytes[36] = TCP;
  view.setUint16(40, request.internalPort);
  view.setUint16(42, request.suggestedExternalPort);
  bytes.set(addressToBytes(suggested), 44);
  return bytes;
}

/**
 * Reads one datagram from the server as the answer to a MAP request with `expected`'s nonce and
 * internal port: the result when it granted the mapping, a {@link PcpError} when it refused, a
 * {@link PcpUnsupportedError} when it does not speak PCP version 2, and `null` for anything
 * that is not an answer to this request (the caller keeps waiting). Accepted are a MAP response
 * of 60 to 1100 bytes, version 2, the R bit set, echoing nonce, TCP and internal port; NAT-PMP's
 * "unsupported version" (version 0, a response opcode, result 1, at least its 8 bytes); and a
 * response header of another PCP version with UNSUPP_VERSION (at least its 24 bytes).
 */
export function decodeMapResponse(
  bytes: Uint8Array,
  expected: Pick<PcpMapRequest, "nonce" | "internalPort">,
): PcpMapResult | PcpError | PcpUnsupportedError | null {
  if (bytes.length < 8 || bytes.length > MAX_SIZE || (bytes[1]! & RESPONSE) === 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0) {
    // NAT-PMP (RFC 6886 3.5, RFC 6887 9): its result code is 16 bits.
    return view.getUint16(2) === 1
      ? new PcpUnsupportedError("The router speaks only NAT-PMP, not PCP")
      : null;
  }
  if (bytes.length < 24) return null;
  if (bytes[0] !== VERSION) return bytes[3] === 1 ? new PcpUnsupportedError() : null;
  if (bytes.length < MAP_SIZE || bytes[1] !== (RESPONSE | OPCODE_MAP)) return null;
  if (!equalBytes(bytes.subarray(24, 36), expected.nonce) || bytes[36] !== TCP) return null;
  if (view.getUint16(40) !== expected.internalPort) return null;
  const resultCode = bytes[3]!;
  const external = bytes.subarray(44, 60);
  if (resultCode === 1) return new PcpUnsupportedError();
  if (resultCode !== 0) {
    const address = bytesToAddress(external);
    return new PcpError(resultCode, address === "::" || address === "0.0.0.0" ? null : address);
  }
  return {
    externalAddress: bytesToAddress(external),
    externalPort: view.getUint16(42),
    lifetimeSeconds: view.getUint32(4),
    epochSeconds: view.getUint32(8),
  };
}

/** Whether a datagram's source `address` is the server's (`server`: its 16 bytes). */
function sameAddress(address: string, server: Uint8Array): boolean {
  try {
    return equalBytes(addressToBytes(address), server);
  } catch {
    return false;
  }
}

/**
 * Asks `request.server` for a TCP mapping (or, with lifetime 0, its deletion) from a socket bound
 * to `request.client`, sending again after 250 ms, 500 ms, ... until `timeoutMs`. Resolves with
 * what the server granted; rejects with {@link PcpError} when it refused,
 * {@link PcpUnsupportedError} when it does not speak PCP, or an `Error` when it did not answer.
 */
export function pcpMap(request: PcpMapRequest, timeoutMs: number): Promise<PcpMapResult> {
  let datagram: Uint8Array, server: Uint8Array;
  try {
    if (isIpv6(request.server) !== isIpv6(request.client)) {
      throw new TypeError(
        `The PCP server ${request.server} and client ${request.client} are not both IPv4 or IPv6`,
      );
    }
    server = addressToBytes(request.server);
    datagram = encodeMapRequest(request);
  } catch (error) {
    return Promise.reject(error);
  }
  const port = request.port ?? PCP_PORT;
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: isIpv6(request.server) ? "udp6" : "udp4" });
    let done = false;
    let delay = 250;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: Error | null, result?: PcpMapResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(retry);
      // Settled once the socket is closed for good (Deno closes it a moment after close()).
      const settle = () => error ? reject(error) : resolve(result!);
      try {
        socket.close(settle);
      } catch {
        settle(); // Already closed.
      }
    };
    const timer = setTimeout(
      () => finish(new Error("The router did not answer (PCP)")),
      timeoutMs,
    );
    socket.on("error", (error: Error) => finish(error));
    socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
      if (from.port !== port || !sameAddress(from.address, server)) return;
      const bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      const answer = decodeMapResponse(bytes, request);
      if (answer instanceof Error) finish(answer);
      else if (answer) finish(null, answer);
    });
    const send = () => {
      if (done) return;
      socket.send(Buffer.from(datagram), port, request.server, () => {});
      retry = setTimeout(send, delay);
      delay *= 2;
    };
    socket.bind(0, request.client, () => {
      try {
        send();
      } catch (error) {
        finish(error as Error);
      }
    });
  });
}
