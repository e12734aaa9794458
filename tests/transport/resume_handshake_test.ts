/**
 * Coming back with a resumption secret in place of the password, over a real loopback socket:
 * `joinHost` with `resume` against `acceptJoiner` with `resumption`. One try, counted as a guess
 * like a password's; a handle the host does not know is refused as `expired`.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { encodeMessage } from "../../lib/codec/mod.ts";
import { RtError } from "../../lib/errors.ts";
import { passwordBytes } from "../../lib/handshake/protocol.ts";
import { resumptionPrs } from "../../lib/handshake/mod.ts";
import { generateIdentity } from "../../lib/identity/mod.ts";
import {
  acceptJoiner,
  type AcceptOptions,
  FramedConnection,
  joinHost,
  Refused,
  type SecureConnection,
} from "../../lib/transport/mod.ts";
import { equalBytes } from "../../lib/util/mod.ts";
import { socketPair } from "./socket_pair.ts";

const PASSWORD = "correct horse";
const ROOM = crypto.getRandomValues(new Uint8Array(16));
const HANDLE = crypto.getRandomValues(new Uint8Array(16));
const SECRET = crypto.getRandomValues(new Uint8Array(32));
const hostIdentity = generateIdentity();
const joinerIdentity = generateIdentity();

/** The host's side of the secrets: it knows `HANDLE`, and nothing else. */
const knowsHandle = (handle: Uint8Array) =>
  equalBytes(handle, HANDLE) ? resumptionPrs(ROOM, SECRET) : null;

/** What the host's callbacks were called with, and whether a password was asked for. */
interface Calls {
  guesses: number[];
  wrong: [number, number, boolean][];
  hostPasswordAsked: number;
  joinerPasswordAsked: number;
}

/**
 * Runs one handshake over loopback: the joiner proves `prs` for `handle`, the host answers with
 * `resumption` (absent: a host that takes nobody back). Both sides' outcomes, settled.
 */
async function resume(
  options: {
    handle?: Uint8Array;
    prs: Uint8Array;
    resumption?: AcceptOptions["resumption"];
    tries?: number;
    /** Extra host options (`newcomer`, `onUnknownResumption`). */
    host?: Partial<AcceptOptions>;
  },
) {
  const { client, server } = await socketPair();
  const hostSide = new FramedConnection(server), joinerSide = new FramedConnection(client);
  const calls: Calls = { guesses: [], wrong: [], hostPasswordAsked: 0, joinerPasswordAsked: 0 };
  const hosting = acceptJoiner(hostSide, {
    identity: hostIdentity,
    password: () => {
      calls.hostPasswordAsked++;
      return PASSWORD;
    },
    tries: options.tries ?? 3,
    timeoutMs: 10_000,
    ...(options.resumption ? { resumption: options.resumption } : {}),
    onGuess: (attempt) => calls.guesses.push(attempt),
    onWrongPassword: (attempt, left, abandoned) => calls.wrong.push([attempt, left, abandoned]),
    ...options.host,
  }).catch(async (error) => {
    // As the host does: what was sent (the refusal) is flushed before the connection ends.
    await hostSide.end(500);
    throw error;
  });
  const joining = joinHost(joinerSide, {
    identity: joinerIdentity,
    password: () => {
      calls.joinerPasswordAsked++;
      return Promise.resolve(PASSWORD);
    },
    resume: { handle: options.handle ?? HANDLE, prs: options.prs },
    timeoutMs: 10_000,
  }).catch((error) => {
    // As a joiner does ("the caller closes `framed`"): the host's end then need not wait.
    joinerSide.close();
    throw error;
  });
  const [host, joiner] = await Promise.allSettled([hosting, joining]);
  const close = async () => {
    for (const side of [host, joiner]) {
      if (side.status === "fulfilled") side.value.close();
    }
    hostSide.close();
    joinerSide.close();
    await Promise.all([hostSide.done, joinerSide.done]);
  };
  return { host, joiner, calls, close };
}

function value(outcome: PromiseSettledResult<SecureConnection>): SecureConnection {
  if (outcome.status === "rejected") throw outcome.reason;
  return outcome.value;
}

function refusal(outcome: PromiseSettledResult<SecureConnection>): Refused {
  assertOk(outcome.status === "rejected", "refused");
  assertOk(outcome.reason instanceof Refused, String(outcome.reason));
  return outcome.reason;
}

function hostDenied(outcome: PromiseSettledResult<SecureConnection>): void {
  assertOk(outcome.status === "rejected", "the host did not let it in");
  assertOk(outcome.reason instanceof RtError && outcome.reason.code === "denied", outcome.reason);
}

Deno.test("the right secret: the host learns which handle came back, and no password is asked", async () => {
  const run = await resume({ prs: resumptionPrs(ROOM, SECRET), resumption: knowsHandle });
  try {
    const host = value(run.host), joiner = value(run.joiner);
    assertEquals(host.resumed, HANDLE);
    assertEquals(joiner.resumed, null, "only the host's side records it");
    // Identities are proven as on any join: the seat is matched to the key afterwards.
    assertEquals(host.peerKey, joinerIdentity.publicKey);
    assertEquals(joiner.peerKey, hostIdentity.publicKey);
    assertEquals(run.calls.hostPasswordAsked, 0);
    assertEquals(run.calls.joinerPasswordAsked, 0);
    assertEquals(run.calls.guesses, [1], "spent as a guess");
    assertEquals(run.calls.wrong, []);
    // The sealed channel works both ways.
    joiner.send(new Uint8Array([1, 2]));
    assertEquals(await host.receive(), new Uint8Array([1, 2]));
  } finally {
    await run.close();
  }
});

Deno.test("a joiner who proves the password is not taken for one coming back", async () => {
  const { client, server } = await socketPair();
  const hostSide = new FramedConnection(server), joinerSide = new FramedConnection(client);
  const [host, joiner] = await Promise.all([
    acceptJoiner(hostSide, {
      identity: hostIdentity,
      password: () => PASSWORD,
      resumption: knowsHandle,
      timeoutMs: 10_000,
    }),
    joinHost(joinerSide, { identity: joinerIdentity, password: () => Promise.resolve(PASSWORD) }),
  ]);
  assertEquals(host.resumed, null);
  host.close();
  joiner.close();
  await Promise.all([hostSide.done, joinerSide.done]);
});

Deno.test("a wrong secret gets one try, refused as a wrong password and counted once", async () => {
  const wrong = crypto.getRandomValues(new Uint8Array(32));
  const run = await resume({ prs: resumptionPrs(ROOM, wrong), resumption: knowsHandle });
  try {
    assertEquals(refusal(run.joiner).refusal, "wrong-password");
    hostDenied(run.host);
    // Three tries for a password, but a resumption has only the one.
    assertEquals(run.calls.guesses, [1]);
    assertEquals(run.calls.wrong, [[1, 0, false]]);
    assertEquals(run.calls.hostPasswordAsked, 0);
  } finally {
    await run.close();
  }
});

Deno.test("the room password proven under a handle is a wrong secret too", async () => {
  // The secret is the PRS: knowing the password is no way into someone else's seat.
  const run = await resume({ prs: passwordBytes(PASSWORD), resumption: knowsHandle });
  try {
    assertEquals(refusal(run.joiner).refusal, "wrong-password");
    hostDenied(run.host);
    assertEquals(run.calls.wrong, [[1, 0, false]]);
  } finally {
    await run.close();
  }
});

Deno.test("the right secret of another room is a wrong secret", async () => {
  const elsewhere = crypto.getRandomValues(new Uint8Array(16));
  const run = await resume({ prs: resumptionPrs(elsewhere, SECRET), resumption: knowsHandle });
  try {
    assertEquals(refusal(run.joiner).refusal, "wrong-password");
    hostDenied(run.host);
  } finally {
    await run.close();
  }
});

Deno.test("a handle the host does not know is refused as expired, and counted as a guess", async () => {
  const run = await resume({
    handle: crypto.getRandomValues(new Uint8Array(16)),
    prs: resumptionPrs(ROOM, SECRET),
    resumption: knowsHandle,
  });
  try {
    const refused = refusal(run.joiner);
    assertEquals(refused.refusal, "expired");
    assertOk(refused.reason.includes("join again with the password"), refused.reason);
    hostDenied(run.host);
    assertEquals(run.calls.guesses, [1]);
    assertEquals(run.calls.wrong, [[1, 0, false]]);
    assertEquals(run.calls.hostPasswordAsked, 0);
  } finally {
    await run.close();
  }
});

Deno.test("an unknown handle is counted by onUnknownResumption when given, not as a wrong password", async () => {
  let unknown = 0;
  const run = await resume({
    handle: crypto.getRandomValues(new Uint8Array(16)),
    prs: resumptionPrs(ROOM, SECRET),
    resumption: knowsHandle,
    host: { onUnknownResumption: () => unknown++ },
  });
  try {
    assertEquals(refusal(run.joiner).refusal, "expired");
    assertEquals(unknown, 1);
    assertEquals(run.calls.wrong, []);
  } finally {
    await run.close();
  }
});

Deno.test("a host that lets only members back in (locked, full) takes a resumption, not asking newcomer", async () => {
  let newcomers = 0;
  const run = await resume({
    prs: resumptionPrs(ROOM, SECRET),
    resumption: knowsHandle,
    host: {
      newcomer: () => {
        newcomers++;
        throw new RtError("denied", "locked");
      },
    },
  });
  try {
    assertEquals(value(run.host).resumed, HANDLE);
    assertEquals(newcomers, 0);
  } finally {
    await run.close();
  }
});

Deno.test("newcomer is asked about a password joiner before its guess counts", async () => {
  const { client, server } = await socketPair();
  const hostSide = new FramedConnection(server), joinerSide = new FramedConnection(client);
  const order: string[] = [];
  const [host, joiner] = await Promise.allSettled([
    acceptJoiner(hostSide, {
      identity: hostIdentity,
      password: () => PASSWORD,
      resumption: knowsHandle,
      timeoutMs: 10_000,
      newcomer: () => {
        order.push("newcomer");
        hostSide.send(encodeMessage({ t: "denied", code: "locked", reason: "locked" }));
        throw new RtError("denied", "locked");
      },
      onGuess: () => order.push("guess"),
    }).finally(() => hostSide.end(500)),
    joinHost(joinerSide, { identity: joinerIdentity, password: () => Promise.resolve(PASSWORD) })
      .finally(() => joinerSide.close()),
  ]);
  hostDenied(host);
  assertEquals(refusal(joiner).refusal, "locked");
  assertEquals(order, ["newcomer"], "refused before any guess was spent");
  await Promise.all([hostSide.done, joinerSide.done]);
});

Deno.test("a host that takes nobody back refuses a resumption as expired", async () => {
  const run = await resume({ prs: resumptionPrs(ROOM, SECRET) });
  try {
    assertEquals(refusal(run.joiner).refusal, "expired");
    hostDenied(run.host);
    assertEquals(run.calls.guesses, [1]);
    assertEquals(run.calls.wrong, [[1, 0, false]]);
    // Not quietly taken as a password guess instead.
    assertEquals(run.calls.hostPasswordAsked, 0);
  } finally {
    await run.close();
  }
});
