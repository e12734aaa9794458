/**
 * The host's identity proof right behind its reply (`early`), over real loopback sockets: what
 * today's host sends a joiner that asks, what today's joiner checks before it says anything
 * sealed, a wrong password on the way, and every pairing of an rt that offers or asks with one
 * that does not. The other side is scripted where the order of frames is what is tested.
 */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import {
  decodeMessage,
  encodeMessage,
  HostHandshake,
  IdentityProof,
  JoinerHandshake,
  PROTOCOL_VERSION,
} from "../../lib/codec/mod.ts";
import { RtError } from "../../lib/errors.ts";
import {
  HostAttempt,
  JoinerAttempt,
  Opener,
  randomNonce,
  Sealer,
  type SessionKeys,
} from "../../lib/handshake/mod.ts";
import { generateIdentity, type Identity, sign, verify } from "../../lib/identity/mod.ts";
import { acceptJoiner, FramedConnection, joinHost } from "../../lib/transport/mod.ts";
import { socketPair } from "./socket_pair.ts";

const PASSWORD = "correct horse";
const hostId = generateIdentity();
const joinerId = generateIdentity();
/** Long enough for loopback, short enough that a frame that never comes fails the test. */
const WAIT_MS = 5_000;
const SEALED = new Uint8Array([0]);

const proofLabel = (role: "host" | "joiner") => `rt/1 identity proof from the ${role}`;

/** A sealed identity proof of `signer`, claiming `key` (a liar's when they differ). */
function proofFrame(
  keys: Uint8Array,
  sessionId: Uint8Array,
  role: "host" | "joiner",
  signer: Identity,
  key = signer.publicKey,
) {
  const proof = encodeMessage({
    t: "identity",
    key,
    sig: sign(signer, proofLabel(role), sessionId),
    batches: true,
  });
  return [SEALED, new Sealer(keys).seal(proof)];
}

/** Opens a sealed frame's identity proof and checks it was signed for `role` on `sessionId`. */
function checkProof(
  frame: Uint8Array,
  key: Uint8Array,
  sessionId: Uint8Array,
  role: "host" | "joiner",
) {
  assertEquals(frame[0], 0, "a sealed frame");
  const proof = decodeMessage(IdentityProof, new Opener(key).open(frame.subarray(1)));
  assertOk(verify(proof.key, proofLabel(role), sessionId, proof.sig), `the ${role}'s proof`);
  return proof.key;
}

async function connected() {
  const { client, server } = await socketPair();
  return { host: new FramedConnection(server), joiner: new FramedConnection(client) };
}

async function next(framed: FramedConnection): Promise<Uint8Array> {
  const frame = await framed.next(WAIT_MS);
  assertOk(frame !== null, "the connection closed");
  return frame;
}

Deno.test("today's host sends its identity proof right behind its reply when the joiner asks", async () => {
  const { host, joiner } = await connected();
  const accepted = acceptJoiner(host, { identity: hostId, password: () => PASSWORD });
  try {
    const greeting = await next(joiner);
    const hello = decodeMessage(HostHandshake, greeting);
    assertOk(hello.t === "hello" && hello.early === true, "the hello offers it");
    const attempt = new JoinerAttempt({
      password: PASSWORD,
      greeting,
      hostNonce: hello.nonce,
      attempt: 1,
    });
    const shareFrame = encodeMessage({
      t: "share",
      v: PROTOCOL_VERSION,
      nonce: attempt.nonce,
      y: attempt.share,
      early: true,
    });
    joiner.send(shareFrame);
    const reply = decodeMessage(HostHandshake, await next(joiner));
    assertOk(reply.t === "reply");
    const { keys, confirm } = attempt.finish(shareFrame, reply);
    // Nothing said since the share: the host's proof comes anyway.
    const key = checkProof(await next(joiner), keys.hostToJoiner, keys.sessionId, "host");
    assertEquals(key, hostId.publicKey);
    joiner.send(encodeMessage({ t: "confirm", confirm }));
    joiner.send(proofFrame(keys.joinerToHost, keys.sessionId, "joiner", joinerId));
    const secure = await accepted;
    assertEquals(secure.peerKey, joinerId.publicKey);
    assertEquals(secure.sessionId, keys.sessionId);
  } finally {
    host.close();
    joiner.close();
    await accepted.catch(() => {});
  }
});

Deno.test("before the joiner proves the password, the host with its proof sent still takes only small frames", async () => {
  const { host, joiner } = await connected();
  const accepted = acceptJoiner(host, { identity: hostId, password: () => PASSWORD });
  try {
    const greeting = await next(joiner);
    const hello = decodeMessage(HostHandshake, greeting);
    assertOk(hello.t === "hello");
    const attempt = new JoinerAttempt({
      password: PASSWORD,
      greeting,
      hostNonce: hello.nonce,
      attempt: 1,
    });
    joiner.send(encodeMessage({
      t: "share",
      v: PROTOCOL_VERSION,
      nonce: attempt.nonce,
      y: attempt.share,
      early: true,
    }));
    await next(joiner); // reply
    await next(joiner); // the host's proof
    joiner.send(new Uint8Array(4096));
    await assertRejects(
      () => accepted,
      (e) => e instanceof RtError && e.code === "frame-too-large",
    );
  } finally {
    host.close();
    joiner.close();
    await accepted.catch(() => {});
  }
});

/**
 * A scripted host offering `early`: greets, answers the share, and sends `proof` (the host's
 * own, or a liar's) behind its reply. Returns the keys and what the joiner asked.
 */
async function earlyHost(
  host: FramedConnection,
  proof: (keys: SessionKeys) => Uint8Array[],
): Promise<{ keys: SessionKeys; asked: boolean | undefined }> {
  const hostNonce = randomNonce();
  const greeting = encodeMessage({
    t: "hello",
    v: PROTOCOL_VERSION,
    app: "rt",
    nonce: hostNonce,
    tries: 3,
    early: true,
  });
  host.send(greeting);
  const shareFrame = await next(host);
  const share = decodeMessage(JoinerHandshake, shareFrame);
  assertOk(share.t === "share");
  const input = { password: PASSWORD, greeting, hostNonce, attempt: 1 };
  const attempt = HostAttempt.respond(input, shareFrame, share);
  host.send(encodeMessage({ t: "reply", y: attempt.share, confirm: attempt.confirm }));
  host.send(proof(attempt.unconfirmedKeys));
  return { keys: attempt.unconfirmedKeys, asked: share.early };
}

Deno.test("today's joiner asks a host that offers it, checks its proof, then proves its own key", async () => {
  const { host, joiner } = await connected();
  const joining = joinHost(joiner, {
    identity: joinerId,
    password: () => Promise.resolve(PASSWORD),
  });
  try {
    const { keys, asked } = await earlyHost(
      host,
      (keys) => proofFrame(keys.hostToJoiner, keys.sessionId, "host", hostId),
    );
    assertEquals(asked, true);
    const confirm = decodeMessage(JoinerHandshake, await next(host));
    assertOk(confirm.t === "confirm");
    const key = checkProof(await next(host), keys.joinerToHost, keys.sessionId, "joiner");
    assertEquals(key, joinerId.publicKey);
    const secure = await joining;
    assertEquals(secure.peerKey, hostId.publicKey);
  } finally {
    host.close();
    joiner.close();
    await joining.catch(() => {});
  }
});

Deno.test("today's joiner says nothing more to a host whose early proof does not verify", async () => {
  const { host, joiner } = await connected();
  const joining = joinHost(joiner, {
    identity: joinerId,
    password: () => Promise.resolve(PASSWORD),
  });
  try {
    // Signed by someone else than the key it claims.
    await earlyHost(
      host,
      (keys) => proofFrame(keys.hostToJoiner, keys.sessionId, "host", joinerId, hostId.publicKey),
    );
    await assertRejects(() => joining, (e) => e instanceof RtError && e.code === "identity-proof");
    joiner.close();
    // Neither the confirmation nor the joiner's proof went out: the connection just ends.
    assertEquals(await host.next(WAIT_MS).catch(() => null), null);
  } finally {
    host.close();
    joiner.close();
    await joining.catch(() => {});
  }
});

for (
  const [hostEarly, joinerEarly] of [[true, true], [true, false], [false, true], [false, false]]
) {
  Deno.test(`a wrong password, then the right one: host ${hostEarly ? "offers" : "does not offer"} early, joiner ${joinerEarly ? "asks" : "does not ask"}`, async () => {
    const { host, joiner } = await connected();
    const hostWrong: number[] = [], joinerWrong: number[] = [];
    const accepted = acceptJoiner(host, {
      identity: hostId,
      password: () => PASSWORD,
      early: hostEarly,
      onWrongPassword: (_attempt, left) => hostWrong.push(left),
    });
    const passwords = ["wrong horse", "wrong again", PASSWORD];
    const joining = joinHost(joiner, {
      identity: joinerId,
      password: ({ attempt }) => Promise.resolve(passwords[attempt - 1]!),
      early: joinerEarly,
      onWrongPassword: (left) => joinerWrong.push(left),
    });
    try {
      const [hostSide, joinerSide] = await Promise.all([accepted, joining]);
      assertEquals(hostSide.peerKey, joinerId.publicKey);
      assertEquals(joinerSide.peerKey, hostId.publicKey);
      assertEquals(hostWrong, [2, 1]);
      assertEquals(joinerWrong, [2, 1]);
      // The sealed channel works both ways, after the proofs whichever way they went.
      hostSide.send(encodeMessage({ t: "ping" }));
      joinerSide.send(encodeMessage({ t: "ping" }));
      assertOk(await joinerSide.receive(WAIT_MS));
      assertOk(await hostSide.receive(WAIT_MS));
    } finally {
      host.close();
      joiner.close();
      await Promise.allSettled([accepted, joining]);
    }
  });
}
