/**
 * Room messages cannot be shown again by a host in a later session, and two seats with one key
 * (one person in two terminals) are two independent streams, end to end with the real program.
 *
 * The rogue host here is the test itself: rt's own handshake code on a loopback socket, with
 * a relay written out by hand so that it can pick the room id and play recorded messages.
 */
import { assertEquals } from "../assert.ts";
import {
  ClientMessage,
  decodeMessage,
  encodeMessage,
  RoomMessage,
} from "../../lib/codec/messages.ts";
import { generateIdentity, type Identity } from "../../lib/identity/keys.ts";
import {
  acceptJoiner,
  FramedConnection,
  joinHost,
  type SecureConnection,
} from "../../lib/transport/mod.ts";
import { MessageSigner } from "../../lib/client/signing.ts";
import { check, E2e, type Event, type RtProcess } from "./harness.ts";

type Said = Extract<RoomMessage, { t: "said" }>;
type Welcome = Extract<RoomMessage, { t: "welcome" }>;

/** The messages of one room connection, read as they come. */
async function nextMessage(
  secure: SecureConnection,
  predicate: (message: RoomMessage) => boolean,
): Promise<RoomMessage> {
  while (true) {
    const plaintext = await secure.receive(15_000);
    if (plaintext === null) throw new Error("the room ended before the message came");
    const message = decodeMessage(RoomMessage, plaintext);
    if (predicate(message)) return message;
  }
}

/** A member made of rt's client code over a raw socket: joins `port` as `name`. */
async function listen(e2e: E2e, port: number, name: string) {
  const peer = await e2e.connect(port);
  const framed = new FramedConnection(peer.conn);
  const secure = await joinHost(framed, {
    identity: generateIdentity(),
    password: () => Promise.resolve("pw"),
    timeoutMs: 10_000,
  });
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  secure.send(encodeMessage({ t: "join", name, nonce }));
  const welcome = await nextMessage(secure, (m) => m.t === "welcome") as Welcome;
  return { secure, welcome, close: () => framed.close() };
}

/** One joiner seated by the rogue host. */
interface Seated {
  name: string;
  key: Uint8Array;
  nonce?: Uint8Array;
  secure: SecureConnection;
  framed: FramedConnection;
}

/**
 * A host that speaks rt's protocol but runs its own room: it chooses the room's id, seats who
 * comes, relays what they say, and can deliver anything it likes.
 */
class RogueHost {
  readonly identity: Identity = generateIdentity();
  readonly nonce = crypto.getRandomValues(new Uint8Array(16));
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly seated: Seated[] = [];
  readonly room: Uint8Array;
  readonly since = Date.now();

  constructor(room: Uint8Array) {
    this.room = room;
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** The host's own seat, as the welcome lists it. */
  get seat() {
    return { name: "relay", host: true, since: this.since, key: this.identity.publicKey };
  }

  #member(s: Seated) {
    return {
      name: s.name,
      host: false,
      since: this.since,
      key: s.key,
      ...(s.nonce ? { nonce: s.nonce } : {}),
    };
  }

  /** Accepts the next joiner, seats it under the name it asks for, and tells the others. */
  async admit(): Promise<Seated> {
    const conn = await this.#listener.accept();
    const framed = new FramedConnection(conn);
    const secure = await acceptJoiner(framed, {
      identity: this.identity,
      password: () => "pw",
      timeoutMs: 10_000,
    });
    const join = decodeMessage(ClientMessage, (await secure.receive(10_000))!);
    if (join.t !== "join") throw new Error(`expected a join, got ${join.t}`);
    const seated: Seated = {
      name: join.name,
      key: secure.peerKey,
      ...(join.nonce ? { nonce: join.nonce } : {}),
      secure,
      framed,
    };
    for (const other of this.seated) {
      other.secure.send(encodeMessage({ t: "joined", at: Date.now(), ...this.#member(seated) }));
    }
    this.seated.push(seated);
    secure.send(encodeMessage({
      t: "welcome",
      name: seated.name,
      room: this.room,
      members: [this.seat, ...this.seated.map((s) => this.#member(s))],
    }));
    return seated;
  }

  /** Relays what `from` says to everyone, as an honest host would. */
  async relayNext(from: Seated): Promise<ClientMessage> {
    while (true) {
      const plaintext = await from.secure.receive(15_000);
      if (plaintext === null) throw new Error(`${from.name} left`);
      const message = decodeMessage(ClientMessage, plaintext);
      if (message.t !== "say") continue;
      const { t: _, ...signed } = message;
      this.deliver({ ...signed, t: "said", from: from.name, at: Date.now() });
      return message;
    }
  }

  /** Delivers `message` to every seated member. */
  deliver(message: object): void {
    for (const s of this.seated) s.secure.send(encodeMessage(message));
  }

  close(): void {
    for (const s of this.seated) s.framed.close();
    this.#listener.close();
  }
}

/** The messages and warnings `p` showed, for comparing. */
function shown(p: RtProcess): string[] {
  return p.events.flatMap((e: Event) =>
    e.type === "message"
      ? [`${e.from}: ${e.text}`]
      : e.type === "warning"
      ? [`warning ${e.code} ${e.name ?? ""}`]
      : []
  );
}

Deno.test("a message from an earlier session, played again by a host, is dropped", async () => {
  await using e2e = new E2e();
  const annHome = e2e.home();

  // The first session: ann hosts, a member who knows the password records what she says.
  const { process: first, port } = await e2e.host({ name: "ann", home: annHome });
  const recorder = await listen(e2e, port, "eve");
  await first.type("meet me at noon");
  const recorded = await nextMessage(
    recorder.secure,
    (m) => m.t === "said" && m.text === "meet me at noon",
  ) as Said;
  const room = recorder.welcome.room;
  recorder.close();
  await first.closeStdin();
  await first.exit();

  // The second session: a host that reuses the first room's id. Ann comes back (a new session
  // of hers), then bob.
  const rogue = new RogueHost(room);
  try {
    const annJoins = e2e.joiner(rogue.port, { label: "ann", name: "ann", home: annHome });
    const ann = await rogue.admit();
    await annJoins.next("welcome");
    const bob = e2e.joiner(rogue.port, { label: "bob", name: "bob" });
    await rogue.admit();
    await bob.next("welcome");
    await annJoins.next("joined", (e) => e.name === "bob");

    // The recorded message, exactly as it was signed, then something ann says now.
    rogue.deliver({ ...recorded, at: Date.now() });
    await annJoins.type("hello again");
    await rogue.relayNext(ann);

    await bob.next("message", (e) => e.text === "hello again");
    const warning = await bob.next("warning", (e) => e.name === "ann");
    assertEquals(warning.code, "replayed-message", warning.text);
    check(
      e2e,
      !bob.all("message").some((e) => e.text === "meet me at noon"),
      "bob was shown a message from ann's earlier session",
    );
    assertEquals(shown(bob), ["warning replayed-message ann", "ann: hello again"]);
  } finally {
    rogue.close();
  }
});

Deno.test("a message dated outside the clock window is dropped; skew inside it is shown at its signed time", async () => {
  await using e2e = new E2e();
  const rogue = new RogueHost(crypto.getRandomValues(new Uint8Array(16)));
  try {
    const bob = e2e.joiner(rogue.port, { label: "bob", name: "bob" });
    await rogue.admit();
    await bob.next("welcome");
    // Carol is a member whose key the test holds: her messages are genuine, only their dates vary.
    const carol = generateIdentity();
    const session = crypto.getRandomValues(new Uint8Array(16));
    rogue.deliver({
      t: "joined",
      name: "carol",
      at: Date.now(),
      key: carol.publicKey,
      nonce: session,
    });
    await bob.next("joined", (e) => e.name === "carol");
    const minute = 60_000;
    let clock = Date.now();
    const signer = new MessageSigner(carol, rogue.room, { session, now: () => clock });
    const say = (text: string, at: number) => {
      clock = at;
      const { t: _, ...signed } = signer.say(text);
      rogue.deliver({ ...signed, t: "said", from: "carol", at: Date.now() });
    };
    const now = Date.now();
    say("ten minutes ago", now - 10 * minute);
    say("four minutes slow", now - 4 * minute);
    say("ten minutes ahead", now + 10 * minute);
    say("four minutes fast", now + 4 * minute);
    say("on time", now);

    const last = await bob.next("message", (e) => e.text === "on time");
    assertEquals(last.time, new Date(now).toISOString(), "the time carol signed");
    assertEquals(shown(bob), [
      "warning replayed-message carol",
      "carol: four minutes slow",
      "warning replayed-message carol",
      "carol: four minutes fast",
      "carol: on time",
    ]);
    const times = Object.fromEntries(bob.all("message").map((e) => [e.text, e.time]));
    assertEquals(times["four minutes slow"], new Date(now - 4 * minute).toISOString());
    assertEquals(times["four minutes fast"], new Date(now + 4 * minute).toISOString());
    const warnings = bob.all("warning");
    check(e2e, warnings.every((w) => /clock/.test(w.text)), "the warning names the clock");
  } finally {
    rogue.close();
  }
});

Deno.test("two terminals with one key: host and joiner both talk, and nothing is dropped", async () => {
  await using e2e = new E2e();
  const home = e2e.home();
  const { process: host, port } = await e2e.host({ name: "hana", home });
  const joiner = await e2e.join(port, "hana2", "pw", home);
  await host.next("joined", (e) => e.name === "hana2");

  // The joiner speaks first: its numbers start later than the host's, which once made every
  // message of the host look old.
  await joiner.type("from the joiner");
  await host.next("message", (e) => e.text === "from the joiner");
  await host.type("from the host");
  await host.type("/msg hana2 privately, from the host");
  await joiner.type("/msg hana privately, from the joiner");
  await joiner.type("again from the joiner");
  await host.type("again from the host");
  for (const p of [host, joiner]) {
    await p.next("message", (e) => e.text === "again from the host");
    await p.next("message", (e) => e.text === "again from the joiner");
  }
  await joiner.next("message", (e) => e.text === "privately, from the host" && e.direct);
  await host.next("message", (e) => e.text === "privately, from the joiner" && e.direct);

  const room = [
    "hana2: from the joiner",
    "hana: from the host",
    "hana2: again from the joiner",
    "hana: again from the host",
  ];
  for (const p of [host, joiner]) {
    const said = p.all("message").filter((e) => !e.direct).map((e) => `${e.from}: ${e.text}`);
    assertEquals(said.toSorted(), room.toSorted(), `${p.label}'s room messages`);
    check(e2e, p.all("warning").length === 0, `${p.label} was warned`);
    for (const e of p.all("message")) {
      const own = e.direct ? e.to !== undefined : e.from === p.label;
      assertEquals(e.own, own, `"own" of ${JSON.stringify(e)} for ${p.label}`);
    }
  }
  // Each sees the other seat for what it is: the same key as its own.
  await host.type("/who");
  const who = await host.next("who");
  assertEquals(
    who.members.map((m) => [m.name, m.status]),
    [["hana", "you"], ["hana2", "your-key"]],
  );
  assertEquals(
    (await joiner.next("welcome")).members.map((m) => [m.name, m.status]),
    [["hana", "your-key"], ["hana2", "you"]],
  );
});
