/**
 * Small helpers every part of rt may use: bytes, errors, queues, serial work, deadlines,
 * this computer's network interfaces, and a worker's scope. They know nothing of rooms, sockets or terminals.
 *
 * @module
 */
export { appendConsuming, concat, concatAll, equalBytes, fromHex, toHex, utf8 } from "./bytes.ts";
export { BufferPool } from "./buffer_pool.ts";
export { busy, type Flushable, flushed, flushSoon, flushWithin, forget } from "./coalesce.ts";
export { describeError, isProgrammingError } from "./errors.ts";
export { type InterfaceAddress, networkInterfaces } from "./interfaces.ts";
export { canonicalIpv6, formatIpv6, ipv6Groups } from "./ip.ts";
export { AsyncQueue } from "./queue.ts";
export { Serial } from "./serial.ts";
export { waitAtMost, withTimeout } from "./timeout.ts";
export { type WorkerScope, workerScope } from "./worker_scope.ts";
