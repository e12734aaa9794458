/**
 * Whether this machine has an IPv6 loopback to listen on (a container may have none): tests
 * that need `::1` are skipped without one.
 *
 * @module
 */

/** Whether `::1` can be listened on. */
export function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}
