/**
 * The forwardings one room holds on the router, from however many protocols said yes, and the
 * rules that keep the protocol that lost the race from undoing the one that won.
 *
 * UPnP and NAT-PMP are asked at once. On a router that speaks both (miniupnpd, the usual one),
 * both act on one table of forwardings: when both say yes to the same external port for the
 * same computer, there is one forwarding, not two, and removing "the loser's" removes the
 * winner's. Nor can the winner alone be trusted to remove it at close: miniupnpd's NAT-PMP
 * removes only forwardings that carry NAT-PMP's own description, which a later UPnP request
 * for the same forwarding replaces with its own (with its iptables back end). So:
 *
 * - the first claim to arrive wins and is renewed until the room closes;
 * - a later claim for the very same forwarding (same router, external port, internal address
 *   and port) is kept, untouched, until the room closes; any other later claim is removed at
 *   once, as it is a forwarding of its own;
 * - closing stops the renewals, waits for a renewal under way (it could add the forwarding
 *   back), then removes every claim: those removed by external port (UPnP) first, while the
 *   port is still this computer's, then those removed by internal port (NAT-PMP), which a
 *   router applies to the asking computer's own forwardings only; what an attempt still under
 *   way gets after that is removed as it comes;
 * - when nothing won in time, the same: whatever arrives is removed at once.
 *
 * Pure bookkeeping: the protocols are behind each claim's `renew` and `remove`.
 *
 * @module
 */

/** One protocol's forwarding on one router. */
export interface Claim {
  /** How it was made, e.g. "NAT-PMP". */
  method: string;
  /** The router's address. */
  router: string;
  externalPort: number;
  /** The address the router forwards to (this computer's on the router's network). */
  internalClient: string;
  internalPort: number;
  /**
   * Removing it names the external port (UPnP): once the forwarding is gone, that port could
   * be another computer's, so such claims are removed first. Otherwise (NAT-PMP) the router
   * removes only the asking computer's own forwarding.
   */
  removedByExternalPort: boolean;
  /** Seconds between renewals. */
  renewEverySeconds: number;
  renew(): Promise<unknown>;
  remove(): Promise<unknown>;
}

/** Whether two claims are one and the same forwarding. */
export function sameForwarding(a: Claim, b: Claim): boolean {
  return a.router === b.router && a.externalPort === b.externalPort &&
    a.internalClient === b.internalClient && a.internalPort === b.internalPort;
}

/** Runs `task` every `ms` milliseconds; returns what stops it. */
export type Every = (ms: number, task: () => void) => () => void;

const everyInterval: Every = (ms, task) => {
  const id = setInterval(task, ms);
  return () => clearInterval(id);
};

/** The claims of one room. */
export class Holdings<C extends Claim = Claim> {
  readonly #every: Every;
  readonly #held: C[] = [];
  readonly #attempts: Promise<unknown>[] = [];
  #winner: C | null = null;
  #stopRenewing = () => {};
  #renewal: Promise<unknown> = Promise.resolve();
  /** Once closed (or given up): the removal of what was held then. */
  #removed: Promise<void> | null = null;
  #won!: (claim: C) => void;
  /** The first claim to arrive (never settles when none does). */
  readonly won: Promise<C>;

  constructor(options: { every?: Every } = {}) {
    this.#every = options.every ?? everyInterval;
    this.won = new Promise((resolve) => this.#won = resolve);
  }

  /** Follows one attempt: the claim it makes, if any, is held or removed by the rules above. */
  follow(attempt: Promise<C>): void {
    this.#attempts.push(attempt.then((claim) => this.#arrive(claim), () => {}));
  }

  #arrive(claim: C): Promise<unknown> | void {
    // Closed: removed at once, though only after what was held (in its order).
    if (this.#removed) return this.#removed.then(() => quietly(claim.remove()));
    if (!this.#winner) {
      this.#winner = claim;
      this.#held.push(claim);
      this.#stopRenewing = this.#every(claim.renewEverySeconds * 1000, () => {
        this.#renewal = this.#renewal.then(() => quietly(claim.renew()));
      });
      this.#won(claim);
      return;
    }
    // The winner's own forwarding: removing it would remove the winner's.
    if (sameForwarding(claim, this.#winner)) return void this.#held.push(claim);
    return quietly(claim.remove());
  }

  /** Once every attempt followed so far has ended: the winner, or `null` when none won. */
  async settled(): Promise<C | null> {
    await Promise.allSettled(this.#attempts);
    return this.#winner;
  }

  /**
   * Removes every claim: renewals stop, one under way is waited for, what is held is removed
   * in order, and what attempts still under way get is removed as it comes; resolves once
   * they have all ended. Idempotent. Also what to do when nothing won in time.
   */
  close(): Promise<void> {
    if (!this.#removed) {
      this.#stopRenewing();
      const held = this.#held.splice(0);
      this.#removed = this.#renewal.then(() => removeInOrder(held));
    }
    return this.#removed.then(() => Promise.allSettled(this.#attempts)).then(() => {});
  }
}

async function removeInOrder(claims: Claim[]): Promise<void> {
  const first = claims.filter((c) => c.removedByExternalPort);
  const then = claims.filter((c) => !c.removedByExternalPort);
  for (const claim of [...first, ...then]) await quietly(claim.remove());
}

function quietly(work: Promise<unknown>): Promise<unknown> {
  return work.catch(() => {});
}

/** A router answered, and said no (as opposed to no router answering). */
export class RefusedError extends Error {}

/** What came of {@link firstClaim}. */
export type FirstClaim<C extends Claim> =
  | { claim: C; close: () => Promise<void> }
  | { claim: null; failures: unknown[] };

/**
 * Follows `attempts` in holdings of their own and waits at most `ms` for the first claim: then
 * its `close` removes every claim (once, however often called). With none in time, whatever
 * still comes is removed as it comes, and the attempts that had failed by then say why.
 */
export async function firstClaim<C extends Claim>(
  attempts: Promise<C>[],
  ms: number,
): Promise<FirstClaim<C>> {
  const holdings = new Holdings<C>();
  for (const attempt of attempts) holdings.follow(attempt);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms));
  // The winner, or null once every attempt failed, or null at the deadline.
  const first = await Promise.race([holdings.won, holdings.settled(), timeout]);
  clearTimeout(timer);
  if (first) {
    let closing: Promise<void> | null = null;
    return { claim: first, close: () => closing ??= holdings.close() };
  }
  void holdings.close();
  const results = await Promise.race([
    Promise.allSettled(attempts),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 0)),
  ]);
  return {
    claim: null,
    failures: (results ?? []).flatMap((r) => r.status === "rejected" ? [r.reason] : []),
  };
}
