/**
 * Fuzzing the handshake over an in-memory stream: the host side (`acceptJoiner`) against joiners
 * that send random frames, replay and mutate a real joiner's frames, or follow the protocol with
 * a wrong password, a tampered step or a stop mid-way; the joiner side (`joinHost`) against hosts
 * that do the same. Either side must settle within its deadline, with an `RtError` or, only when
 * the peer really proved the password and its identity, with a sealed connection.
 *
 * Also: signed room messages and sealed direct messages never accept a change.
 */
import fc from "fast-check";
import { assertEquals, assertOk } from "../assert.ts";
import {
  decodeMessage,
  encodeFrame,
  encodeMessage,
  FrameReader,
  HostHandshake,
  JoinerHandshake,
  MAX_FRAME_BYTES,
  MAX_TEXT_CHARS,
  PROTOCOL_VERSION,
} from "../../lib/codec/mod.ts";
import {
  HostAttempt,
  JoinerAttempt,
  randomNonce,
  Sealer,
  type SessionKeys,
} from "../../lib/handshake/mod.ts";
import { sodium } from "../../lib/handshake/sodium.ts";
import { generateIdentity, type Identity, sign } from "../../lib/identity/keys.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import { acceptJoiner, joinHost, type SecureConnection } from "../../lib/transport/secure.ts";
import { DirectOpener, MessageSigner, verifySaid } from "../../lib/client/signing.ts";
import type { RtErrorCode } from "../../lib/errors.ts";
import {
  concatBytes,
  cutsArb,
  expectRtError,
  fuzzParameters,
  memoryPair,
  type MemoryStream,
  mutate,
  type Mutation,
  mutationsArb,
  sameBytes,
  settleWithin,
  split,
  withRejectionWatch,
} from "./support.ts";

/** The room password; `é` makes its NFD spelling a different string that must still match. */
const PASSWORD = "correct horse café";
/** Per-message deadline of the side under test. */
const TIMEOUT_MS = 200;
/** How long a side may take in all before it counts as hung (one deadline plus the crypto). */
const SETTLE_MS = 10 * TIMEOUT_MS + 2000;

const hostIdentity = generateIdentity();
const joinerIdentity = generateIdentity();
const strangerIdentity = generateIdentity();

/** Errors the handshake may end with; anything else is a bug. */
const HANDSHAKE_ERRORS: RtErrorCode[] = [
  "message-invalid",
  "handshake-protocol",
  "handshake-timeout",
  "handshake-invalid-share",
  "version-mismatch",
  "denied",
  "connection-closed",
  "frame-too-large",
  "frame-truncated",
  "decrypt-failed",
  "identity-proof",
];

type End = "close" | "silent";
/** Mostly closing, sometimes silent: a silent peer costs one full deadline. */
const endArb: fc.Arbitrary<End> = fc.oneof(
  { weight: 7, arbitrary: fc.constant("close" as const) },
  { weight: 1, arbitrary: fc.constant("silent" as const) },
);

/** Spellings of the right password (NFC, NFD) and wrong ones. */
const passwordArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(PASSWORD, PASSWORD.normalize("NFD")) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.constantFrom("", "correct horse cafe", "Correct horse café", PASSWORD + " "),
    ).filter((p) => p.normalize("NFC") !== PASSWORD),
  },
);
const isRight = (password: string) => password.normalize("NFC") === PASSWORD;

function framesOf(bytes: Uint8Array): Uint8Array[] {
  try {
    return new FrameReader(MAX_FRAME_BYTES).push(bytes);
  } catch {
    return [];
  }
}

function tryDecode<T>(schema: Parameters<typeof decodeMessage<T>>[0], frame: Uint8Array) {
  try {
    return decodeMessage(schema, frame);
  } catch {
    return null;
  }
}

/** Writes chunks to the stream, stopping quietly when the other side has gone. */
async function writeAll(stream: MemoryStream, chunks: Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    try {
      await stream.write(chunk);
    } catch {
      return;
    }
  }
}

// ---- key shares and identity proofs -------------------------------------------------------

/** Key shares: random bytes (rarely a valid encoding), valid points, the identity. */
const shareArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 64, maxLength: 64 }).map((h) =>
    sodium.crypto_core_ristretto255_from_hash(h)
  ),
  fc.constant(new Uint8Array(32)),
);
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const random32 = () => crypto.getRandomValues(new Uint8Array(32));

/** How a peer answers the identity-proof step after proving the password. */
type ProofMode =
  | "genuine"
  | "flip-sig"
  | "other-key"
  | "reflected"
  | "other-session"
  | "unsealed"
  | "tampered"
  | "garbage"
  | "stop";
const proofArb: fc.Arbitrary<ProofMode> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("genuine" as const) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<ProofMode>(
      "flip-sig",
      "other-key",
      "reflected",
      "other-session",
      "unsealed",
      "tampered",
      "garbage",
      "stop",
    ),
  },
);

const proofLabel = (role: "host" | "joiner") => `rt/1 identity proof from the ${role}`;

/** The sealed identity proof frame `role` sends, done as `mode` says (null: send nothing). */
function proofFrame(
  mode: ProofMode,
  role: "host" | "joiner",
  identity: Identity,
  keys: SessionKeys,
): Uint8Array | null {
  if (mode === "stop") return null;
  const sealer = new Sealer(role === "host" ? keys.hostToJoiner : keys.joinerToHost);
  const other = role === "host" ? "joiner" : "host";
  const signed = mode === "other-session" ? randomNonce() : keys.sessionId;
  const sig = sign(identity, proofLabel(mode === "reflected" ? other : role), signed);
  if (mode === "flip-sig") sig[7]! ^= 0x10;
  const key = mode === "other-key" ? strangerIdentity.publicKey : identity.publicKey;
  const plaintext = mode === "garbage"
    ? crypto.getRandomValues(new Uint8Array(40))
    : encodeMessage({ t: "identity", key, sig });
  if (mode === "unsealed") return plaintext;
  const sealed = sealer.seal(plaintext);
  if (mode === "tampered") sealed[sealed.length - 1]! ^= 1;
  // A sealed frame: its kind (0), then the sealed bytes.
  return concatBytes([new Uint8Array([0]), sealed]);
}

// ---- a real exchange, recorded ------------------------------------------------------------

interface Recording {
  /** Frames the joiner sent. */
  joiner: Uint8Array[];
  /** Frames the host sent. */
  host: Uint8Array[];
}

/** Runs a real host against a real joiner typing `guesses`, and records both sides' frames. */
async function record(guesses: string[]): Promise<Recording> {
  const [hostEnd, joinerEnd] = memoryPair();
  const host = new FramedConnection(hostEnd), joiner = new FramedConnection(joinerEnd);
  let guess = 0;
  const outcomes = await Promise.allSettled([
    acceptJoiner(host, { identity: hostIdentity, password: () => PASSWORD, timeoutMs: 2000 }),
    joinHost(joiner, {
      identity: joinerIdentity,
      password: () => Promise.resolve(guesses[guess++] ?? "no more guesses"),
      timeoutMs: 2000,
    }),
  ]);
  const [accepted, joined] = outcomes;
  if (accepted.status === "fulfilled" && joined.status === "fulfilled") {
    // One sealed message each way, so replays also carry post-handshake traffic.
    accepted.value.send(encodeMessage({ t: "welcome" }));
    joined.value.send(encodeMessage({ t: "join", name: "ann" }));
  }
  host.close();
  joiner.close();
  await Promise.all([host.done, joiner.done]);
  return { joiner: framesOf(joinerEnd.writtenBytes()), host: framesOf(hostEnd.writtenBytes()) };
}

let recordings: Recording[] | null = null;
/** Recorded exchanges: right at once, right at the second try, wrong three times. */
async function getRecordings(): Promise<Recording[]> {
  recordings ??= [
    await record([PASSWORD]),
    await record(["wrong", PASSWORD]),
    await record(["wrong", "still wrong", "nope"]),
  ];
  return recordings;
}

/** `arbitrary` in `weight` cases out of `weight + nullWeight`, otherwise null. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, weight: number, nullWeight: number) {
  return fc.oneof(
    { weight: nullWeight, arbitrary: fc.constant(null) },
    { weight, arbitrary },
  );
}

/** Which recorded frames to replay and how to damage them. */
interface Replay {
  recording: number;
  /** null: every frame in order; otherwise these frames (indices modulo the count). */
  picks: number[] | null;
  frameMutations: (Mutation[] | null)[];
  streamMutations: Mutation[] | null;
  cuts: number[];
}
const replayArb: fc.Arbitrary<Replay> = fc.record({
  recording: fc.nat(),
  picks: fc.option(fc.array(fc.nat(), { maxLength: 8 }), { nil: null }),
  frameMutations: fc.array(sometimes(mutationsArb, 1, 1), { maxLength: 8 }),
  streamMutations: sometimes(mutationsArb, 1, 2),
  cuts: cutsArb,
});

/** The bytes of a replay, in write-sized chunks. */
function replayChunks(frames: Uint8Array[], replay: Replay): Uint8Array[] {
  const chosen = replay.picks === null
    ? frames
    : replay.picks.map((i) => frames[i % frames.length]!).filter((f) => f !== undefined);
  const encoded = chosen.map((frame, i) => {
    const mutations = replay.frameMutations[i];
    return encodeFrame(mutations ? mutate(frame, mutations) : frame);
  });
  let stream = concatBytes(encoded);
  if (replay.streamMutations) stream = mutate(stream, replay.streamMutations);
  return split(stream, replay.cuts);
}

// ---- random peers -------------------------------------------------------------------------

/** A step of a random peer: raw bytes, a random frame, or a frame with a handshake message. */
const stepArb = (messageArb: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((p) => encodeFrame(p)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1000, max: 1100 }).map((n) => encodeFrame(new Uint8Array(n))),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1025, max: 0xffff_ffff }).map((n) => {
        const header = new Uint8Array(4);
        new DataView(header.buffer).setUint32(0, n);
        return header;
      }),
    },
    { weight: 12, arbitrary: messageArb.map((m) => encodeFrame(encodeMessage(m))) },
  );

const versionArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(PROTOCOL_VERSION) },
  { weight: 1, arbitrary: fc.integer() },
);
const triesArb = fc.integer({ min: 0, max: 10 });

const joinerMessageArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("share"),
      v: versionArb,
      nonce: bytesOf(16),
      y: shareArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("confirm"), confirm: bytesOf(32) }) },
  { weight: 2, arbitrary: fc.constant({ t: "mismatch" }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constantFrom("share", "confirm", "hello", "identity", "say"),
      v: fc.anything(),
      nonce: fc.uint8Array({ maxLength: 20 }),
      y: fc.uint8Array({ maxLength: 40 }),
      confirm: fc.uint8Array({ maxLength: 40 }),
    }, { requiredKeys: ["t"] }),
  },
);

const hostMessageArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("hello"),
      v: versionArb,
      app: fc.constant("rt"),
      nonce: bytesOf(16),
      tries: triesArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant("reply"), y: shareArb, confirm: bytesOf(32) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("retry"), nonce: bytesOf(16), tries: triesArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("denied"), reason: fc.string({ maxLength: 30 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constantFrom("hello", "reply", "retry", "share", "welcome"),
      v: fc.anything(),
      nonce: fc.uint8Array({ maxLength: 20 }),
      tries: fc.integer(),
      y: fc.uint8Array({ maxLength: 40 }),
    }, { requiredKeys: ["t"] }),
  },
);

// ---- running one side against a fuzzed peer ---------------------------------------------

interface PeerReport {
  /** The attempt in which the peer sent a confirmation it computed with the right password. */
  provenAttempt: number | null;
  /** The session keys of that attempt. */
  keys: SessionKeys | null;
  /** How it then proved its identity. */
  proof: ProofMode | null;
}
const nothingProven = (): PeerReport => ({ provenAttempt: null, keys: null, proof: null });

/**
 * A fuzzed peer: talks over `stream` and reports what it proved. It stops by returning; the
 * runner then closes its end (`close`) or leaves it open and silent (`silent`).
 */
type Peer = (stream: MemoryStream, connections: FramedConnection[]) => Promise<PeerReport>;

/** A peer that writes `chunks` and then closes or falls silent. */
function scriptedPeer(chunks: Uint8Array[], end: End): Peer {
  return async (stream) => {
    await writeAll(stream, chunks);
    if (end === "close") stream.close();
    return nothingProven();
  };
}

interface Run {
  outcome: { ok: true; value: SecureConnection } | { ok: false; error: unknown };
  report: PeerReport;
  /** Frames the side under test sent. */
  sent: Uint8Array[];
}

/**
 * Runs the side under test against `peer` until it settles (or the deadline calls it hung),
 * then closes everything and checks nothing is left running.
 */
async function runAgainst(
  side: (framed: FramedConnection) => Promise<SecureConnection>,
  peer: Peer,
  end: End,
  what: string,
): Promise<Run> {
  const [mine, theirs] = memoryPair();
  const framed = new FramedConnection(mine);
  const settling = side(framed);
  const peerConnections: FramedConnection[] = [];
  const peerDone = peer(theirs, peerConnections).then((report) => {
    if (end === "close") theirs.close();
    return report;
  });
  const outcome = await settleWithin(settling, SETTLE_MS, what);
  framed.close();
  theirs.close();
  const peerOutcome = await settleWithin(peerDone, SETTLE_MS, "the fuzzed peer");
  await settleWithin(framed.done, SETTLE_MS, "the read loop");
  for (const c of peerConnections) {
    c.close();
    await settleWithin(c.done, SETTLE_MS, "the fuzzed peer's read loop");
  }
  if (!peerOutcome.ok) throw peerOutcome.error;
  return { outcome, report: peerOutcome.value, sent: framesOf(mine.writtenBytes()) };
}

interface HostRun extends Run {
  wrong: { attempt: number; left: number; abandoned: boolean }[];
}

async function runHost(peer: Peer, end: End, tries: number): Promise<HostRun> {
  const wrong: HostRun["wrong"] = [];
  const run = await runAgainst(
    (framed) =>
      acceptJoiner(framed, {
        identity: hostIdentity,
        password: () => PASSWORD,
        tries,
        timeoutMs: TIMEOUT_MS,
        onWrongPassword: (attempt, left, abandoned) => wrong.push({ attempt, left, abandoned }),
      }),
    peer,
    end,
    "acceptJoiner",
  );
  return { ...run, wrong };
}

function runJoiner(peer: Peer, end: End): Promise<Run> {
  return runAgainst(
    (framed) =>
      joinHost(framed, {
        identity: joinerIdentity,
        password: () => Promise.resolve(PASSWORD),
        timeoutMs: TIMEOUT_MS,
      }),
    peer,
    end,
    "joinHost",
  );
}

/**
 * What must hold for every host run: it settled with an allowed error, or with a connection
 * only after the joiner proved the password and then its identity; every reply that reached the
 * joiner counts as a guess unless its attempt was proven (a reply lost because the joiner had
 * already gone may count too: erring on the safe side); never more than `tries` guesses.
 */
function checkHostRun(run: HostRun, tries: number): void {
  const replies = run.sent.filter((f) => tryDecode(HostHandshake, f)?.t === "reply").length;
  const proven = run.report.provenAttempt !== null;
  if (run.outcome.ok) {
    assertOk(proven, "the host accepted a joiner that did not prove the password");
    assertEquals(run.report.proof, "genuine", "the host accepted a false identity proof");
    assertEquals(run.outcome.value.peerKey, joinerIdentity.publicKey);
    assertEquals(run.outcome.value.sessionId, run.report.keys!.sessionId);
  } else {
    expectRtError(run.outcome.error, ...HANDSHAKE_ERRORS);
  }
  assertOk(replies <= tries, `${replies} replies with ${tries} tries`);
  assertOk(run.wrong.length >= replies - (proven ? 1 : 0), "every unproven reply is a guess");
  assertOk(run.wrong.length <= tries, `${run.wrong.length} guesses counted with ${tries} tries`);
  run.wrong.forEach((w, i) => {
    assertEquals(w.attempt, i + 1);
    assertOk(w.left >= 0 && w.left <= tries - w.attempt);
  });
}

/** What must hold for every joiner run: it connects only to a host that proved the password. */
function checkJoinerRun(run: Run): void {
  if (run.outcome.ok) {
    assertOk(run.report.provenAttempt !== null, "the joiner accepted a host without the password");
    assertEquals(run.report.proof, "genuine", "the joiner accepted a false identity proof");
    assertEquals(run.outcome.value.peerKey, hostIdentity.publicKey);
    assertEquals(run.outcome.value.sessionId, run.report.keys!.sessionId);
  } else {
    expectRtError(run.outcome.error, ...HANDSHAKE_ERRORS);
  }
}

// ---- a joiner that follows the protocol, with faults --------------------------------------

type JoinerAnswer =
  | "natural"
  | "flip"
  | "random"
  | "mismatch"
  | "share-again"
  | "garbage"
  | "stop";
interface JoinerAttemptScript {
  password: string;
  /** Changes to the share frame on the wire (the joiner itself keeps the original). */
  share: Mutation[] | null;
  answer: JoinerAnswer;
  proof: ProofMode;
}
interface JoinerScript {
  tries: number;
  attempts: JoinerAttemptScript[];
  end: End;
}

const joinerScriptArb: fc.Arbitrary<JoinerScript> = fc.record({
  tries: fc.integer({ min: 1, max: 4 }),
  attempts: fc.array(
    fc.record({
      password: passwordArb,
      share: sometimes(mutationsArb, 1, 6),
      answer: fc.oneof(
        { weight: 6, arbitrary: fc.constant("natural" as const) },
        {
          weight: 3,
          arbitrary: fc.constantFrom<JoinerAnswer>(
            "flip",
            "random",
            "mismatch",
            "share-again",
            "garbage",
            "stop",
          ),
        },
      ),
      proof: proofArb,
    }),
    { minLength: 1, maxLength: 5 },
  ),
  end: endArb,
});

/** Whether a faithful joiner following `script` must get in, must not, or either. */
function expectedHostOutcome(script: JoinerScript): "accept" | "reject" | "either" {
  for (const [i, a] of script.attempts.entries()) {
    if (i + 1 > script.tries) return "reject";
    if (a.share !== null || a.answer !== "natural") return "either";
    if (isRight(a.password)) return a.proof === "genuine" ? "accept" : "reject";
  }
  return "reject";
}

function liveJoiner(script: JoinerScript): Peer {
  return async (stream, connections) => {
    const framed = new FramedConnection(stream);
    connections.push(framed);
    const report = nothingProven();
    try {
      let frame = await framed.next(SETTLE_MS);
      const hello = frame && tryDecode(HostHandshake, frame);
      if (!frame || hello?.t !== "hello") return report;
      let greeting = frame, hostNonce = hello.nonce;
      for (const [i, a] of script.attempts.entries()) {
        const joiner = new JoinerAttempt({
          password: a.password,
          greeting,
          hostNonce,
          attempt: i + 1,
        });
        const shareFrame = encodeMessage({
          t: "share",
          v: PROTOCOL_VERSION,
          nonce: joiner.nonce,
          y: joiner.share,
        });
        framed.send(a.share ? mutate(shareFrame, a.share) : shareFrame);
        frame = await framed.next(SETTLE_MS);
        const reply = frame && tryDecode(HostHandshake, frame);
        if (reply?.t !== "reply") return report;
        let finished: ReturnType<JoinerAttempt["finish"]> | null = null;
        try {
          finished = joiner.finish(shareFrame, reply);
        } catch {
          // A reply that does not prove the password: the joiner answers with a random tag.
        }
        const tag = finished?.confirm.slice() ?? random32();
        switch (a.answer) {
          case "natural":
            framed.send(
              encodeMessage(finished ? { t: "confirm", confirm: tag } : { t: "mismatch" }),
            );
            break;
          case "flip":
            tag[i % 32]! ^= 0x40;
            framed.send(encodeMessage({ t: "confirm", confirm: tag }));
            break;
          case "random":
            framed.send(encodeMessage({ t: "confirm", confirm: random32() }));
            break;
          case "mismatch":
            framed.send(encodeMessage({ t: "mismatch" }));
            break;
          case "share-again":
            framed.send(shareFrame);
            break;
          case "garbage":
            framed.send(crypto.getRandomValues(new Uint8Array(20)));
            break;
          case "stop":
            return report;
        }
        if (a.answer === "natural" && finished) {
          Object.assign(report, { provenAttempt: i + 1, keys: finished.keys, proof: a.proof });
          const proof = proofFrame(a.proof, "joiner", joinerIdentity, finished.keys);
          if (proof) framed.send(proof);
          // Wait for the host's proof (or its end), as a real joiner would.
          await framed.next(SETTLE_MS);
          return report;
        }
        frame = await framed.next(SETTLE_MS);
        const retry = frame && tryDecode(HostHandshake, frame);
        if (!frame || retry?.t !== "retry") return report;
        greeting = frame;
        hostNonce = retry.nonce;
      }
      return report;
    } catch {
      // The host hung up or sent junk; the report says what was proven so far.
      return report;
    }
  };
}

// ---- a host that follows the protocol, with faults ----------------------------------------

type HostReply = "natural" | "flip-y" | "flip-confirm" | "random" | "denied" | "garbage" | "stop";
type HostRetry = "natural" | "denied" | "hello" | "stop";
interface HostAttemptScript {
  password: string;
  reply: HostReply;
  proof: ProofMode;
  retry: HostRetry;
}
interface HostScript {
  v: number;
  tries: number;
  hello: Mutation[] | null;
  attempts: HostAttemptScript[];
  end: End;
}

const hostScriptArb: fc.Arbitrary<HostScript> = fc.record({
  v: versionArb,
  tries: triesArb,
  hello: sometimes(mutationsArb, 1, 8),
  attempts: fc.array(
    fc.record({
      password: passwordArb,
      reply: fc.oneof(
        { weight: 6, arbitrary: fc.constant("natural" as const) },
        {
          weight: 3,
          arbitrary: fc.constantFrom<HostReply>(
            "flip-y",
            "flip-confirm",
            "random",
            "denied",
            "garbage",
            "stop",
          ),
        },
      ),
      proof: proofArb,
      retry: fc.oneof(
        { weight: 6, arbitrary: fc.constant("natural" as const) },
        { weight: 1, arbitrary: fc.constantFrom<HostRetry>("denied", "hello", "stop") },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  end: endArb,
});

/** Whether a joiner facing a host that follows `script` must get in, must not, or either. */
function expectedJoinerOutcome(script: HostScript): "accept" | "reject" | "either" {
  if (script.hello !== null) return "either";
  if (script.v !== PROTOCOL_VERSION) return "reject";
  for (const a of script.attempts) {
    if (a.reply !== "natural") return "either";
    if (isRight(a.password)) return a.proof === "genuine" ? "accept" : "reject";
    if (a.retry !== "natural") return "reject";
  }
  return "reject";
}

function liveHost(script: HostScript): Peer {
  return async (stream, connections) => {
    const framed = new FramedConnection(stream);
    connections.push(framed);
    const report = nothingProven();
    try {
      let hostNonce = randomNonce();
      let greeting = encodeMessage({
        t: "hello",
        v: script.v,
        app: "rt",
        nonce: hostNonce,
        tries: script.tries,
      });
      if (script.hello) {
        greeting = mutate(greeting, script.hello);
        const hello = tryDecode(HostHandshake, greeting);
        if (hello?.t === "hello") hostNonce = hello.nonce;
      }
      framed.send(greeting);
      const helloFrame = greeting;
      for (const [i, a] of script.attempts.entries()) {
        const shareFrame = await framed.next(SETTLE_MS);
        const share = shareFrame && tryDecode(JoinerHandshake, shareFrame);
        if (!shareFrame || share?.t !== "share") return report;
        const host = HostAttempt.respond(
          { password: a.password, greeting, hostNonce, attempt: i + 1 },
          shareFrame,
          share,
        );
        const y = host.share.slice(), confirm = host.confirm.slice();
        switch (a.reply) {
          case "natural":
            framed.send(encodeMessage({ t: "reply", y, confirm }));
            break;
          case "flip-y":
            y[i % 32]! ^= 2;
            framed.send(encodeMessage({ t: "reply", y, confirm }));
            break;
          case "flip-confirm":
            confirm[31 - (i % 32)]! ^= 0x80;
            framed.send(encodeMessage({ t: "reply", y, confirm }));
            break;
          case "random":
            framed.send(encodeMessage({ t: "reply", y: random32(), confirm: random32() }));
            break;
          case "denied":
            framed.send(encodeMessage({ t: "denied", reason: "no" }));
            return report;
          case "garbage":
            framed.send(crypto.getRandomValues(new Uint8Array(33)));
            return report;
          case "stop":
            return report;
        }
        const answerFrame = await framed.next(SETTLE_MS);
        const answer = answerFrame && tryDecode(JoinerHandshake, answerFrame);
        if (answer?.t === "confirm") {
          const keys = host.verify(answer.confirm);
          if (keys && a.reply === "natural") {
            Object.assign(report, { provenAttempt: i + 1, keys, proof: a.proof });
            const proof = proofFrame(a.proof, "host", hostIdentity, keys);
            if (proof) framed.send(proof);
            await framed.next(SETTLE_MS);
          }
          return report;
        }
        if (answer?.t !== "mismatch") return report;
        switch (a.retry) {
          case "natural":
            hostNonce = randomNonce();
            greeting = encodeMessage({ t: "retry", nonce: hostNonce, tries: script.tries });
            framed.send(greeting);
            break;
          case "denied":
            framed.send(encodeMessage({ t: "denied", reason: "wrong password" }));
            return report;
          case "hello":
            // A second hello where a retry belongs: the joiner must give up.
            framed.send(helloFrame);
            return report;
          case "stop":
            return report;
        }
      }
      return report;
    } catch {
      return report;
    }
  };
}

// ---- properties: the host side ------------------------------------------------------------

Deno.test("fuzz: acceptJoiner against random frames settles, never accepts", async () => {
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb(joinerMessageArb), { maxLength: 8 }),
        cutsArb,
        fc.integer({ min: 1, max: 4 }),
        endArb,
        async (steps, cuts, tries, end) => {
          const chunks = split(concatBytes(steps), cuts);
          const run = await runHost(scriptedPeer(chunks, end), end, tries);
          assertOk(!run.outcome.ok, "accepted random frames");
          checkHostRun(run, tries);
          await check();
        },
      ),
      fuzzParameters(150),
    );
  });
});

Deno.test("fuzz: acceptJoiner against a real joiner's frames, replayed and mutated", async () => {
  const recorded = await getRecordings();
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(
        replayArb,
        fc.integer({ min: 1, max: 4 }),
        endArb,
        async (replay, tries, end) => {
          const frames = recorded[replay.recording % recorded.length]!.joiner;
          const chunks = replayChunks(frames, replay);
          const run = await runHost(scriptedPeer(chunks, end), end, tries);
          // A fresh host nonce makes every recorded confirmation worthless.
          assertOk(!run.outcome.ok, "accepted a replayed exchange");
          checkHostRun(run, tries);
          await check();
        },
      ),
      fuzzParameters(150),
    );
  });
});

Deno.test("fuzz: acceptJoiner against a joiner with wrong passwords, faults and stops", async () => {
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(joinerScriptArb, async (script) => {
        const run = await runHost(liveJoiner(script), script.end, script.tries);
        checkHostRun(run, script.tries);
        const expected = expectedHostOutcome(script);
        if (expected !== "either") {
          assertEquals(
            run.outcome.ok ? "accept" : "reject",
            expected,
            String(
              run.outcome.ok ? "" : run.outcome.error,
            ),
          );
        }
        await check();
      }),
      fuzzParameters(150),
    );
  });
});

// ---- properties: the joiner side ----------------------------------------------------------

Deno.test("fuzz: joinHost against random frames settles, never connects", async () => {
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb(hostMessageArb), { maxLength: 8 }),
        cutsArb,
        endArb,
        async (steps, cuts, end) => {
          const run = await runJoiner(scriptedPeer(split(concatBytes(steps), cuts), end), end);
          assertOk(!run.outcome.ok, "connected to random frames");
          checkJoinerRun(run);
          await check();
        },
      ),
      fuzzParameters(150),
    );
  });
});

Deno.test("fuzz: joinHost against a real host's frames, replayed and mutated", async () => {
  const recorded = await getRecordings();
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(replayArb, endArb, async (replay, end) => {
        const frames = recorded[replay.recording % recorded.length]!.host;
        const run = await runJoiner(scriptedPeer(replayChunks(frames, replay), end), end);
        // A fresh joiner nonce makes every recorded reply worthless.
        assertOk(!run.outcome.ok, "connected to a replayed exchange");
        checkJoinerRun(run);
        await check();
      }),
      fuzzParameters(150),
    );
  });
});

Deno.test("fuzz: joinHost against a host with wrong passwords, faults and stops", async () => {
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(hostScriptArb, async (script) => {
        const run = await runJoiner(liveHost(script), script.end);
        checkJoinerRun(run);
        const expected = expectedJoinerOutcome(script);
        if (expected !== "either") {
          assertEquals(
            run.outcome.ok ? "accept" : "reject",
            expected,
            String(
              run.outcome.ok ? "" : run.outcome.error,
            ),
          );
        }
        await check();
      }),
      fuzzParameters(150),
    );
  });
});

// ---- properties: signed and sealed messages -----------------------------------------------

const room = crypto.getRandomValues(new Uint8Array(16));

/** Code units that UTF-8 cannot carry as they are, and the one that stands for them. */
const SPECIAL_UNITS = [0xfffd, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d];
const isSpecial = (unit: number) => unit === 0xfffd || (unit >= 0xd800 && unit <= 0xdfff);

/** Texts: ordinary, long, with U+FFFD or lone surrogates, short and long. */
const sayTextArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.tuple(
    fc.string({ maxLength: 20 }),
    fc.integer({ min: 0, max: 120 }),
    fc.constantFrom(...SPECIAL_UNITS),
  ).map(([s, pad, unit]) => s + "x".repeat(pad) + String.fromCharCode(unit) + s),
  fc.integer({ min: 0, max: MAX_TEXT_CHARS }).map((n) => "x".repeat(n)),
);

type SaidChange =
  | { kind: "text"; text: string }
  | { kind: "unit"; at: number; unit: number }
  | { kind: "special"; at: number; unit: number }
  | { kind: "me" }
  | { kind: "seq"; seq: number }
  | { kind: "sig"; mutations: Mutation[] }
  | { kind: "room"; mutations: Mutation[] }
  | { kind: "author"; flip: number | null };

const saidChangeArb: fc.Arbitrary<SaidChange> = fc.oneof(
  fc.record({ kind: fc.constant("text" as const), text: sayTextArb }),
  fc.record({
    kind: fc.constant("unit" as const),
    at: fc.nat(),
    unit: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0xfffd, 0xd800, 0xdc00)),
  }),
  // One U+FFFD or surrogate swapped for another: the units a UTF-8 encoder may conflate.
  fc.record({
    kind: fc.constant("special" as const),
    at: fc.nat(),
    unit: fc.constantFrom(...SPECIAL_UNITS),
  }),
  fc.constant({ kind: "me" as const }),
  fc.record({
    kind: fc.constant("seq" as const),
    seq: fc.oneof(fc.maxSafeNat(), fc.integer({ min: 0, max: 5 }), fc.double()),
  }),
  fc.record({ kind: fc.constant("sig" as const), mutations: mutationsArb }),
  fc.record({ kind: fc.constant("room" as const), mutations: mutationsArb }),
  fc.record({ kind: fc.constant("author" as const), flip: fc.option(fc.nat(255), { nil: null }) }),
);

Deno.test("fuzz: verifySaid never accepts a changed message", () => {
  fc.assert(
    fc.property(
      sayTextArb,
      fc.option(fc.boolean(), { nil: undefined }),
      fc.integer({ min: 1, max: 3 }),
      fc.array(saidChangeArb, { minLength: 1, maxLength: 3 }),
      (text, me, count, changes) => {
        const signer = new MessageSigner(joinerIdentity, room);
        let said = signer.say(text, me);
        for (let i = 1; i < count; i++) said = signer.say(text, me);
        assertOk(verifySaid(room, joinerIdentity.publicKey, said), "a genuine message verifies");
        let changed: { text: string; me?: boolean; seq: number; sig: Uint8Array } = { ...said };
        let changedRoom: Uint8Array = room, author: Uint8Array = joinerIdentity.publicKey;
        for (const c of changes) {
          if (c.kind === "text") changed = { ...changed, text: c.text };
          else if (c.kind === "unit" && changed.text.length > 0) {
            const at = c.at % changed.text.length;
            const t = changed.text;
            changed = {
              ...changed,
              text: t.slice(0, at) + String.fromCharCode(c.unit) + t.slice(at + 1),
            };
          } else if (c.kind === "special") {
            const t = changed.text;
            const spots = Array.from({ length: t.length }, (_, i) => i)
              .filter((i) => isSpecial(t.charCodeAt(i)));
            const at = spots[c.at % Math.max(spots.length, 1)];
            if (at !== undefined) {
              changed = {
                ...changed,
                text: t.slice(0, at) + String.fromCharCode(c.unit) + t.slice(at + 1),
              };
            }
          } else if (c.kind === "me") changed = { ...changed, me: changed.me !== true };
          else if (c.kind === "seq") changed = { ...changed, seq: c.seq };
          else if (c.kind === "sig") {
            changed = { ...changed, sig: mutate(changed.sig, c.mutations) };
          } else if (c.kind === "room") changedRoom = mutate(changedRoom, c.mutations);
          else if (c.kind === "author") {
            author = c.flip === null ? strangerIdentity.publicKey : author.slice();
            if (c.flip !== null) author[c.flip % 32]! ^= 1 << (c.flip % 8);
          }
        }
        const same = changed.text === said.text && (changed.me === true) === (said.me === true) &&
          changed.seq === said.seq && sameBytes(changed.sig, said.sig) &&
          sameBytes(changedRoom, room) && sameBytes(author, joinerIdentity.publicKey);
        fc.pre(!same);
        assertOk(
          !verifySaid(changedRoom, author, changed),
          `accepted a changed message: ${
            JSON.stringify({ said: said.text, changed: changed.text })
          }`,
        );
      },
    ),
    fuzzParameters(500),
  );
});

Deno.test("a relay cannot swap U+FFFD in a signed text for a lone surrogate", () => {
  // Found by the property above: MessagePack encodes a lone surrogate in a string of over 50
  // units as U+FFFD, so both texts had one signature; a host could deliver either (the decoder
  // turns the bytes ED A0 80 into "\ud800").
  const said = new MessageSigner(joinerIdentity, room).say("x".repeat(50) + "\ufffd");
  assertOk(verifySaid(room, joinerIdentity.publicKey, said));
  const swapped = { ...said, text: "x".repeat(50) + "\ud800" };
  assertOk(!verifySaid(room, joinerIdentity.publicKey, swapped));
  // What a member types with a lone surrogate is sent as U+FFFD, and verifies.
  const typed = new MessageSigner(joinerIdentity, room).say("x\ud800");
  assertEquals(typed.text, "x\ufffd");
  assertOk(verifySaid(room, joinerIdentity.publicKey, typed));
});

Deno.test("fuzz: a sealed direct message with any byte changed never opens", () => {
  const opener = new DirectOpener(hostIdentity, room);
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.boolean(),
      mutationsArb,
      (text, me, mutations) => {
        const box = new MessageSigner(joinerIdentity, room).seal(
          { key: hostIdentity.publicKey },
          text,
          me,
        );
        assertEquals(opener.open(box, joinerIdentity.publicKey), { text, me, seq: 1 });
        const changed = mutate(box, mutations);
        fc.pre(!sameBytes(changed, box));
        assertEquals(opener.open(changed, joinerIdentity.publicKey), null);
      },
    ),
    fuzzParameters(300),
  );
});
