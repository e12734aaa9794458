/**
 * The rules that keep the protocol that lost the race from removing the winner's forwarding
 * (lib/nat/holdings.ts). Pure bookkeeping, so the claims are fakes that write down what was
 * asked of the router; tests/e2e/router_test.ts checks the same against a real miniupnpd.
 */
import { assertEquals } from "../assert.ts";
import { type Claim, type Every, Holdings, sameForwarding } from "../../lib/nat/holdings.ts";

/** A fake claim: `renew` and `remove` write "<method> renew|remove" into `asked`. */
function claim(asked: string[], method: string, changes: Partial<Claim> = {}): Claim {
  return {
    method,
    router: "10.0.0.1",
    externalPort: 4000,
    internalClient: "10.0.0.2",
    internalPort: 4000,
    removedByExternalPort: method.startsWith("UPnP"),
    renewEverySeconds: 1800,
    renew: () => {
      asked.push(`${method} renew`);
      return Promise.resolve();
    },
    remove: () => {
      asked.push(`${method} remove`);
      return Promise.resolve();
    },
    ...changes,
  };
}

/** A promise with its resolve and reject at hand. */
function later<T>() {
  let resolve!: (value: T) => void, reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => [resolve, reject] = [res, rej]);
  return { promise, resolve, reject };
}

/** Timers run by hand: `tick()` runs every task once. */
function manualTimers() {
  const tasks = new Set<() => void>();
  const every: Every = (_ms, task) => {
    tasks.add(task);
    return () => tasks.delete(task);
  };
  return { every, tick: () => [...tasks].forEach((task) => task()), count: () => tasks.size };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("the same forwarding: same router, external port, internal address and port", () => {
  const asked: string[] = [];
  const a = claim(asked, "NAT-PMP");
  assertEquals(sameForwarding(a, claim(asked, "UPnP IGD v1")), true);
  for (
    const change of [
      { router: "10.0.0.254" },
      { externalPort: 4001 },
      { internalClient: "10.0.0.3" },
      { internalPort: 4001 },
    ]
  ) {
    assertEquals(
      sameForwarding(a, claim(asked, "UPnP IGD v1", change)),
      false,
      JSON.stringify(change),
    );
  }
});

Deno.test("the loser mapped the winner's very forwarding: nothing is removed until close", async () => {
  for (const [winner, loser] of [["NAT-PMP", "UPnP IGD v1"], ["UPnP IGD v2", "NAT-PMP"]]) {
    const asked: string[] = [];
    const holdings = new Holdings({ every: manualTimers().every });
    const slow = later<Claim>();
    holdings.follow(Promise.resolve(claim(asked, winner!)));
    holdings.follow(slow.promise);
    assertEquals((await holdings.won).method, winner);
    slow.resolve(claim(asked, loser!));
    assertEquals(await holdings.settled().then((c) => c?.method), winner);
    assertEquals(asked, [], `${winner} won, ${loser} lost: nothing removed while open`);
    await holdings.close();
    // UPnP removes by external port: first, while the port is still this computer's.
    const upnp = [winner!, loser!].find((m) => m.startsWith("UPnP"));
    assertEquals(asked, [`${upnp} remove`, "NAT-PMP remove"]);
  }
});

Deno.test("a loser's forwarding of its own (another port) is removed at once", async () => {
  const asked: string[] = [];
  const holdings = new Holdings({ every: manualTimers().every });
  const slow = later<Claim>();
  holdings.follow(Promise.resolve(claim(asked, "NAT-PMP", { externalPort: 4001 })));
  holdings.follow(slow.promise);
  await holdings.won;
  slow.resolve(claim(asked, "UPnP IGD v1"));
  await holdings.settled();
  assertEquals(asked, ["UPnP IGD v1 remove"]);
  await holdings.close();
  assertEquals(asked, ["UPnP IGD v1 remove", "NAT-PMP remove"]);
});

Deno.test("closing removes what is held at once, and later claims as they come", async () => {
  const asked: string[] = [];
  const holdings = new Holdings({ every: manualTimers().every });
  const slow = later<Claim>();
  holdings.follow(Promise.resolve(claim(asked, "NAT-PMP")));
  holdings.follow(slow.promise);
  await holdings.won;
  let closed = false;
  const closing = holdings.close().then(() => closed = true);
  await turn();
  // Not held up by the attempt still under way (a signal leaves little time)...
  assertEquals(asked, ["NAT-PMP remove"]);
  // ...but not done before it has ended: what it got is removed too.
  assertEquals(closed, false);
  slow.resolve(claim(asked, "UPnP IGD v1"));
  await closing;
  assertEquals(asked, ["NAT-PMP remove", "UPnP IGD v1 remove"]);
  // Again: nothing more.
  await holdings.close();
  assertEquals(asked.length, 2);
});

Deno.test("a claim arriving while the held ones are being removed waits its turn", async () => {
  const asked: string[] = [];
  const removal = later<void>();
  const holdings = new Holdings({ every: manualTimers().every });
  const slow = later<Claim>();
  holdings.follow(Promise.resolve(claim(asked, "UPnP IGD v1", {
    remove: () => {
      asked.push("UPnP IGD v1 remove sent");
      return removal.promise.then(() => void asked.push("UPnP IGD v1 remove answered"));
    },
  })));
  holdings.follow(slow.promise);
  await holdings.won;
  const closing = holdings.close();
  await turn();
  slow.resolve(claim(asked, "NAT-PMP"));
  await turn();
  assertEquals(asked, ["UPnP IGD v1 remove sent"], "UPnP's removal by port goes first");
  removal.resolve();
  await closing;
  assertEquals(asked, ["UPnP IGD v1 remove sent", "UPnP IGD v1 remove answered", "NAT-PMP remove"]);
});

Deno.test("a failed attempt changes nothing; the winner is still removed at close", async () => {
  const asked: string[] = [];
  const holdings = new Holdings({ every: manualTimers().every });
  const slow = later<Claim>();
  holdings.follow(Promise.resolve(claim(asked, "UPnP IGD v2")));
  holdings.follow(slow.promise);
  await holdings.won;
  slow.reject(new Error("no NAT-PMP router"));
  await holdings.close();
  assertEquals(asked, ["UPnP IGD v2 remove"]);
});

Deno.test("nothing won in time: what arrives later is removed at once", async () => {
  const asked: string[] = [];
  const holdings = new Holdings({ every: manualTimers().every });
  const slow = later<Claim>();
  holdings.follow(slow.promise);
  const closing = holdings.close();
  slow.resolve(claim(asked, "NAT-PMP"));
  await closing;
  assertEquals(asked, ["NAT-PMP remove"]);
});

Deno.test("only the winner is renewed, renewing removes nothing, and stops at close", async () => {
  const asked: string[] = [];
  const timers = manualTimers();
  const holdings = new Holdings({ every: timers.every });
  const slow = later<Claim>();
  holdings.follow(Promise.resolve(claim(asked, "NAT-PMP")));
  holdings.follow(slow.promise);
  await holdings.won;
  slow.resolve(claim(asked, "UPnP IGD v1"));
  await holdings.settled();
  timers.tick();
  timers.tick();
  await turn();
  assertEquals(asked, ["NAT-PMP renew", "NAT-PMP renew"]);
  await holdings.close();
  assertEquals(timers.count(), 0, "no renewal after close");
  assertEquals(asked.slice(2), ["UPnP IGD v1 remove", "NAT-PMP remove"]);
});

Deno.test("a renewal under way at close finishes before anything is removed", async () => {
  const asked: string[] = [];
  const timers = manualTimers();
  const renewal = later<void>();
  const holdings = new Holdings({ every: timers.every });
  holdings.follow(Promise.resolve(claim(asked, "UPnP IGD v1", {
    renew: () => {
      asked.push("renew sent");
      return renewal.promise.then(() => void asked.push("renew answered"));
    },
  })));
  await holdings.won;
  timers.tick();
  await turn();
  const closing = holdings.close();
  await turn();
  assertEquals(asked, ["renew sent"], "not removed while the renewal could still re-add it");
  renewal.resolve();
  await closing;
  assertEquals(asked, ["renew sent", "renew answered", "UPnP IGD v1 remove"]);
});

Deno.test("a removal that fails does not stop the others", async () => {
  const asked: string[] = [];
  const holdings = new Holdings({ every: manualTimers().every });
  const slow = later<Claim>();
  holdings.follow(Promise.resolve(claim(asked, "NAT-PMP")));
  holdings.follow(slow.promise);
  await holdings.won;
  slow.resolve(claim(asked, "UPnP IGD v1", {
    remove: () => {
      asked.push("UPnP IGD v1 remove");
      return Promise.reject(new Error("timed out"));
    },
  }));
  await holdings.settled();
  await holdings.close();
  assertEquals(asked, ["UPnP IGD v1 remove", "NAT-PMP remove"]);
});
