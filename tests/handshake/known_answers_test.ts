/**
 * rt's own known answers: the handshake's transcript and key schedule, the sealed frames and the
 * identity proofs, for fixed inputs (`tests/testdata/rt_vectors.json`). The other handshake
 * tests check that both sides agree; these check that they agree with released versions.
 */
import { assertEquals, assertOk } from "../assert.ts";
import vectors from "../testdata/rt_vectors.json" with { type: "json" };
import { HostAttempt, JoinerAttempt, Opener, Sealer } from "../../lib/handshake/mod.ts";
import { sessionIdFor } from "../../lib/handshake/protocol.ts";
import {
  decodeMessage,
  encodeFrame,
  encodeMessage,
  FrameReader,
  HostHandshake,
  IdentityProof,
  JoinerHandshake,
} from "../../lib/codec/mod.ts";
import {
  acceptJoiner,
  FramedConnection,
  joinHost,
  SecureConnection,
} from "../../lib/transport/mod.ts";
import { identityFromSeed, sign, verify } from "../../lib/identity/keys.ts";
import { concat, fromHex, toHex } from "../../lib/util/mod.ts";

const inputs = vectors.inputs;
const joinerScalar = fromHex(inputs.joinerScalar);
const hostScalar = fromHex(inputs.hostScalar);
const joinerId = identityFromSeed(fromHex(inputs.joinerSeed));
const hostId = identityFromSeed(fromHex(inputs.hostSeed));
/** The labels of the identity proofs, as version 1 signs them. */
const PROOF_FROM_JOINER = "rt/1 identity proof from the joiner";
const PROOF_FROM_HOST = "rt/1 identity proof from the host";

type Attempt = { greeting: string; shareFrame: string };

/** Runs both sides of one attempt on the vector's inputs; every output in hex. */
function run(
  expected: Attempt,
  nonces: { hostNonce: string; joinerNonce: string },
  n: number,
) {
  const hostNonce = fromHex(nonces.hostNonce), joinerNonce = fromHex(nonces.joinerNonce);
  const input = {
    password: inputs.password,
    greeting: fromHex(expected.greeting),
    hostNonce,
    attempt: n,
  };
  const joiner = new JoinerAttempt(input, joinerNonce, joinerScalar);
  const shareFrame = fromHex(expected.shareFrame);
  const host = HostAttempt.respond(
    input,
    shareFrame,
    { nonce: joinerNonce, y: joiner.share },
    hostScalar,
  );
  const { keys, confirm } = joiner.finish(shareFrame, {
    y: host.share,
    confirm: host.confirm,
  });
  assertEquals(host.verify(confirm), keys, "the host accepts the joiner's tag");
  return {
    sid: toHex(sessionIdFor(hostNonce, joinerNonce, n)),
    joinerShare: toHex(joiner.share),
    hostShare: toHex(host.share),
    hostConfirm: toHex(host.confirm),
    joinerConfirm: toHex(confirm),
    joinerToHost: toHex(keys.joinerToHost),
    hostToJoiner: toHex(keys.hostToJoiner),
    sessionId: toHex(keys.sessionId),
  };
}

Deno.test("the handshake's frames carry what version 1 sent for fixed nonces", () => {
  const a = inputs.attempt1;
  const hello = { t: "hello", v: 2, app: "rt", nonce: fromHex(a.hostNonce), tries: a.tries };
  assertEquals(toHex(encodeMessage(hello)), vectors.attempt1.greeting);
  const retry = { t: "retry", nonce: fromHex(inputs.attempt2.hostNonce), tries: 2 };
  assertEquals(toHex(encodeMessage(retry)), vectors.attempt2.greeting);
  const v = vectors.attempt1;
  const share = { t: "share", v: 2, nonce: fromHex(a.joinerNonce), y: fromHex(v.joinerShare) };
  assertEquals(toHex(encodeMessage(share)), v.shareFrame);
  const reply = { t: "reply", y: fromHex(v.hostShare), confirm: fromHex(v.hostConfirm) };
  assertEquals(toHex(encodeMessage(reply)), v.replyFrame);
  assertEquals(
    toHex(encodeMessage({ t: "confirm", confirm: fromHex(v.joinerConfirm) })),
    v.confirmFrame,
  );
});

Deno.test("the transcript and key schedule give version 1's keys and tags (first attempt)", () => {
  const { greeting: _g, shareFrame: _s, replyFrame: _r, confirmFrame: _c, ...expected } =
    vectors.attempt1;
  assertEquals(run(vectors.attempt1, inputs.attempt1, 1), expected);
});

Deno.test("the transcript and key schedule give version 1's keys and tags (a retry)", () => {
  const { greeting: _g, shareFrame: _s, ...expected } = vectors.attempt2;
  assertEquals(run(vectors.attempt2, inputs.attempt2, 2), expected);
});

Deno.test("sealed frames and identity proofs are what version 1 sent", () => {
  const keys = vectors.attempt1, sealed = vectors.sealed;
  const sessionId = fromHex(keys.sessionId);
  const joinerProof = {
    t: "identity",
    key: joinerId.publicKey,
    sig: sign(joinerId, PROOF_FROM_JOINER, sessionId),
  };
  const hostProof = {
    t: "identity",
    key: hostId.publicKey,
    sig: sign(hostId, PROOF_FROM_HOST, sessionId),
  };
  assertEquals(toHex(encodeMessage(joinerProof)), sealed.joinerProof);
  assertEquals(toHex(encodeMessage(hostProof)), sealed.hostProof);
  // On the wire: length, kind 0 (sealed), then ChaCha20-Poly1305 with the frame count as nonce.
  const kind = new Uint8Array([0]);
  const toHost = new Sealer(fromHex(keys.joinerToHost));
  const toJoiner = new Sealer(fromHex(keys.hostToJoiner));
  const frame = (sealer: Sealer, hex: string) =>
    toHex(encodeFrame([kind, sealer.seal(fromHex(hex))]));
  assertEquals(frame(toHost, sealed.joinerProof), sealed.joinerProofFrame);
  assertEquals(frame(toJoiner, sealed.hostProof), sealed.hostProofFrame);
  const join = encodeMessage({
    t: "join",
    name: inputs.join.name,
    nonce: fromHex(inputs.join.nonce),
  });
  assertEquals(toHex(encodeFrame([kind, toHost.seal(join)])), sealed.joinFrame, "second frame");
  // And the frames a released version sent open here, in order.
  const opener = new Opener(fromHex(keys.joinerToHost));
  const [first, second] = new FrameReader().push(
    fromHex(sealed.joinerProofFrame + sealed.joinFrame),
  );
  assertEquals(toHex(opener.open(first!.subarray(1))), sealed.joinerProof);
  assertEquals(opener.open(second!.subarray(1)), join);
});

// ---- a peer scripted from the vectors, against the real program's handshake -----------------

/** The scripted side of a loopback connection: raw frames, no rt transport. */
class ScriptedPeer {
  readonly #conn: Deno.Conn;
  readonly #reader = new FrameReader();
  readonly #frames: Uint8Array[] = [];

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async send(payload: Uint8Array | Uint8Array[]): Promise<void> {
    const frame = encodeFrame(payload);
    for (let done = 0; done < frame.length;) done += await this.#conn.write(frame.subarray(done));
  }

  async next(): Promise<Uint8Array> {
    const buffer = new Uint8Array(4096);
    while (this.#frames.length === 0) {
      const n = await this.#conn.read(buffer);
      if (n === null) throw new Error("the connection closed");
      this.#frames.push(...this.#reader.push(buffer.subarray(0, n)));
    }
    return this.#frames.shift()!;
  }

  close(): void {
    this.#conn.close();
  }
}

/** A connected pair on loopback: the real side framed, the scripted side raw. */
async function loopback(): Promise<{ real: FramedConnection; peer: ScriptedPeer }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [accepted, dialled] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
  ]);
  listener.close();
  return { real: new FramedConnection(dialled), peer: new ScriptedPeer(accepted) };
}

/** Opens one sealed frame the way version 1 framed it (kind 0, then the sealed bytes). */
function openSealed(opener: Opener, frame: Uint8Array): Uint8Array {
  assertEquals(frame[0], 0, "a sealed frame starts with kind 0");
  return opener.open(frame.subarray(1));
}

Deno.test("a host speaking as version 1 did lets today's joiner in, and each proves its key", async () => {
  const { real, peer } = await loopback();
  const v = vectors.attempt1, a = inputs.attempt1;
  const joined = joinHost(real, {
    identity: joinerId,
    password: () => Promise.resolve(inputs.password),
    timeoutMs: 10_000,
  });
  try {
    await peer.send(fromHex(v.greeting));
    const shareFrame = await peer.next();
    const share = decodeMessage(JoinerHandshake, shareFrame);
    assertOk(share.t === "share" && share.v === 2, "a share of protocol 2");
    const input = {
      password: inputs.password,
      greeting: fromHex(v.greeting),
      hostNonce: fromHex(a.hostNonce),
      attempt: 1,
    };
    const host = HostAttempt.respond(input, shareFrame, share, hostScalar);
    await peer.send(encodeMessage({ t: "reply", y: host.share, confirm: host.confirm }));
    const confirm = decodeMessage(JoinerHandshake, await peer.next());
    assertOk(confirm.t === "confirm");
    const keys = host.verify(confirm.confirm);
    assertOk(keys, "the joiner's tag proves the password");
    const proof = decodeMessage(
      IdentityProof,
      openSealed(new Opener(keys.joinerToHost), await peer.next()),
    );
    assertEquals(proof.key, joinerId.publicKey);
    assertOk(verify(proof.key, PROOF_FROM_JOINER, keys.sessionId, proof.sig), "joiner's proof");
    const mine = encodeMessage({
      t: "identity",
      key: hostId.publicKey,
      sig: sign(hostId, PROOF_FROM_HOST, keys.sessionId),
    });
    await peer.send([new Uint8Array([0]), new Sealer(keys.hostToJoiner).seal(mine)]);
    const secure = await joined;
    assertEquals(secure.peerKey, hostId.publicKey);
    assertEquals(secure.sessionId, keys.sessionId);
    secure.close();
  } finally {
    real.close();
    peer.close();
    await joined.catch(() => {});
  }
});

Deno.test("a joiner speaking as version 1 did is let in by today's host, and each proves its key", async () => {
  const { real, peer } = await loopback();
  const a = inputs.attempt1;
  const accepted = acceptJoiner(real, {
    identity: hostId,
    password: () => inputs.password,
    timeoutMs: 10_000,
  });
  try {
    const greeting = await peer.next();
    const hello = decodeMessage(HostHandshake, greeting);
    assertOk(hello.t === "hello" && hello.v === 2 && hello.tries === 3, "a hello of protocol 2");
    const input = { password: inputs.password, greeting, hostNonce: hello.nonce, attempt: 1 };
    const joinerNonce = fromHex(a.joinerNonce);
    const joiner = new JoinerAttempt(input, joinerNonce, joinerScalar);
    const shareFrame = encodeMessage({ t: "share", v: 2, nonce: joinerNonce, y: joiner.share });
    await peer.send(shareFrame);
    const reply = decodeMessage(
      HostHandshake,
      await peer.next(),
    );
    assertOk(reply.t === "reply");
    const { keys, confirm } = await joiner.finish(shareFrame, reply);
    await peer.send(encodeMessage({ t: "confirm", confirm }));
    const mine = encodeMessage({
      t: "identity",
      key: joinerId.publicKey,
      sig: sign(joinerId, PROOF_FROM_JOINER, keys.sessionId),
    });
    await peer.send(concat(new Uint8Array([0]), new Sealer(keys.joinerToHost).seal(mine)));
    const proof = decodeMessage(
      IdentityProof,
      openSealed(new Opener(keys.hostToJoiner), await peer.next()),
    );
    assertEquals(proof.key, hostId.publicKey);
    assertOk(verify(proof.key, PROOF_FROM_HOST, keys.sessionId, proof.sig), "host's proof");
    const secure = await accepted;
    assertEquals(secure.peerKey, joinerId.publicKey);
    secure.close();
  } finally {
    real.close();
    peer.close();
    await accepted.catch(() => {});
  }
});

Deno.test("a bulk frame is a sealed header and a body passed on as it is, as in version 1", async () => {
  const { real, peer } = await loopback();
  const keys = vectors.attempt1;
  const secure = new SecureConnection(real, {
    send: fromHex(keys.joinerToHost),
    receive: fromHex(keys.hostToJoiner),
    id: fromHex(keys.sessionId),
  });
  try {
    const bulk = vectors.sealed.bulk;
    const header = encodeMessage({ t: "data", to: bulk.to, id: fromHex(bulk.id), n: bulk.n });
    secure.send(fromHex(vectors.sealed.joinerProof));
    secure.sendBulk(header, fromHex(bulk.body));
    assertEquals(toHex(encodeFrame(await peer.next())), vectors.sealed.joinerProofFrame);
    // Kind 1, the sealed header's length (2 bytes), the header sealed as frame 1, the body.
    assertEquals(toHex(await peer.next()), bulk.frame);
  } finally {
    secure.close();
    peer.close();
  }
});
