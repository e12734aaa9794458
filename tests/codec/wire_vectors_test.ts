/**
 * Known answers for the wire: the bytes of one message of each kind, of signed and sealed room,
 * direct and file messages, and of file-transfer control and stream frames, as released
 * versions sent them (computed once from rt 0.1.0; never regenerate them to make a test pass).
 * Each check goes both ways: today's code encodes the value to those bytes, and decodes the
 * released bytes back to the value.
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  ClientMessage,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  FrameReader,
  RoomMessage,
} from "../../lib/codec/mod.ts";
import { DirectOpener, MessageSigner, verifySaid } from "../../lib/client/signing.ts";
import {
  decodeAck,
  decodeTransfer,
  encodeAck,
  encodeTransfer,
  StreamCipher,
  type TransferMessage,
} from "../../lib/files/wire.ts";
import { identityFromSeed } from "../../lib/identity/keys.ts";
import { fromHex, toHex, utf8 } from "../../lib/util/mod.ts";

/** `n` bytes counting up from `start`. */
const run = (n: number, start: number) =>
  Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const at = 1_767_225_600_000;
const key = run(32, 0xc0), nonce = run(16, 0x40), sig = run(64, 0);
const member = { name: "ann", host: false, since: at, key, nonce };
const SIG_HEX = toHex(sig);

const CLIENT: [ClientMessage, string][] = [
  [
    { t: "join", name: "ann", nonce },
    "83a174a46a6f696ea46e616d65a3616e6ea56e6f6e6365c410404142434445464748494a4b4c4d4e4f",
  ],
  [
    { t: "say", text: "hi", seq: 1, sent: at, session: nonce, sig },
    "86a174a3736179a474657874a26869a373657101a473656e74cf0000019b76daa800a773657373696f6e" +
    "c410404142434445464748494a4b4c4d4e4fa3736967c440" + SIG_HEX,
  ],
  [
    { t: "say", text: "waves", me: true, seq: 2, sent: at + 1, sig },
    "86a174a3736179a474657874a57761766573a26d65c3a373657102a473656e74cf0000019b76daa801" +
    "a3736967c440" + SIG_HEX,
  ],
  [
    { t: "dm", to: "bob", box: run(48, 0x10) },
    "83a174a2646da2746fa3626f62a3626f78c430" + toHex(run(48, 0x10)),
  ],
  [
    { t: "file", to: "bob", box: run(40, 0x20) },
    "83a174a466696c65a2746fa3626f62a3626f78c428" + toHex(run(40, 0x20)),
  ],
  [
    { t: "data", to: "bob", id: run(16, 0x70), n: 3, body: run(17, 0x30) },
    "85a174a464617461a2746fa3626f62a26964c410707172737475767778797a7b7c7d7e7fa16e03a4626f6479" +
    "c411303132333435363738393a3b3c3d3e3f40",
  ],
  [{ t: "who" }, "81a174a377686f"],
  [{ t: "bye" }, "81a174a3627965"],
];

const MEMBER_HEX = "85a46e616d65a3616e6ea4686f7374c2a573696e6365cf0000019b76daa800a36b6579c420" +
  toHex(key) + "a56e6f6e6365c410404142434445464748494a4b4c4d4e4f";

const ROOM: [RoomMessage, string][] = [
  [
    { t: "welcome", name: "ann", room: run(16, 0x50), members: [member] },
    "84a174a777656c636f6d65a46e616d65a3616e6ea4726f6f6dc410505152535455565758595a5b5c5d5e5f" +
    "a76d656d6265727391" + MEMBER_HEX,
  ],
  [
    { t: "name-refused", reason: "taken" },
    "82a174ac6e616d652d72656675736564a6726561736f6ea574616b656e",
  ],
  [
    { t: "joined", name: "bob", at: at + 2, key, nonce },
    "85a174a66a6f696e6564a46e616d65a3626f62a26174cf0000019b76daa802a36b6579c420" + toHex(key) +
    "a56e6f6e6365c410404142434445464748494a4b4c4d4e4f",
  ],
  [
    { t: "left", name: "bob", reason: "quit", at: at + 3 },
    "84a174a46c656674a46e616d65a3626f62a6726561736f6ea471756974a26174cf0000019b76daa803",
  ],
  [
    { t: "said", from: "ann", text: "hi", at: at + 4, seq: 1, sent: at, session: nonce, sig },
    "88a174a473616964a466726f6da3616e6ea474657874a26869a26174cf0000019b76daa804a373657101" +
    "a473656e74cf0000019b76daa800a773657373696f6ec410404142434445464748494a4b4c4d4e4f" +
    "a3736967c440" + SIG_HEX,
  ],
  [
    { t: "dm", from: "ann", box: run(48, 0x10), at: at + 5 },
    "84a174a2646da466726f6da3616e6ea3626f78c430" + toHex(run(48, 0x10)) +
    "a26174cf0000019b76daa805",
  ],
  [
    { t: "file", from: "ann", box: run(40, 0x20), at: at + 6 },
    "84a174a466696c65a466726f6da3616e6ea3626f78c428" + toHex(run(40, 0x20)) +
    "a26174cf0000019b76daa806",
  ],
  [
    { t: "data", from: "ann", id: run(16, 0x70), n: 3, body: run(17, 0x30) },
    "85a174a464617461a466726f6da3616e6ea26964c410707172737475767778797a7b7c7d7e7fa16e03" +
    "a4626f6479c411303132333435363738393a3b3c3d3e3f40",
  ],
  [{ t: "who", members: [member] }, "82a174a377686fa76d656d626572739185" + MEMBER_HEX.slice(2)],
  [
    { t: "notice", text: "the host is away" },
    "82a174a66e6f74696365a474657874b074686520686f73742069732061776179",
  ],
  [
    { t: "closed", reason: "the host left" },
    "82a174a6636c6f736564a6726561736f6ead74686520686f7374206c656674",
  ],
];

Deno.test("each message a member sends has the bytes released versions sent", () => {
  for (const [message, hex] of CLIENT) {
    assertEquals(toHex(encodeMessage(message)), hex, message.t);
    assertEquals(decodeMessage(ClientMessage, fromHex(hex)), message, message.t);
  }
});

Deno.test("each message the room sends has the bytes released versions sent", () => {
  for (const [message, hex] of ROOM) {
    assertEquals(toHex(encodeMessage(message)), hex, message.t);
    assertEquals(decodeMessage(RoomMessage, fromHex(hex)), message, message.t);
  }
});

Deno.test("a frame is a 4-byte big-endian length, then the payload", () => {
  const payload = utf8("hello");
  assertEquals(toHex(encodeFrame(payload)), "0000000568656c6c6f");
  assertEquals(toHex(encodeFrame([run(1, 1), run(300, 0)])).slice(0, 10), "0000012d01");
  assertEquals(new FrameReader().push(fromHex("0000000568656c6c6f00000000")), [payload, run(0, 0)]);
});

// ---- signed and sealed messages ------------------------------------------------------------

// RFC 8032 7.1 test 1 (the author) and test 2 (the recipient).
const ann = identityFromSeed(
  fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
);
const bob = identityFromSeed(
  fromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
);
const room = run(16, 0x50), annSession = run(16, 0x40), bobSession = run(16, 0x60);

Deno.test("a signed room message is what released versions signed and sent", () => {
  const signer = new MessageSigner(ann, room, { session: annSession, now: () => at });
  const said = signer.say("hello, world");
  const SIG = "dfc7940d19bb1be514424283b15c3371ba0426878ed5e80e4bcdba45b31d2cb4" +
    "bed2315d74f0c4d50467666b1370e2d7686f98b034bccdfd0175524afc786706";
  assertEquals(toHex(said.sig), SIG);
  assertEquals(
    toHex(encodeMessage(said)),
    "86a174a3736179a474657874ac68656c6c6f2c20776f726c64a373657101a473656e74cf0000019b76daa800" +
      "a773657373696f6ec410404142434445464748494a4b4c4d4e4fa3736967c440" + SIG,
  );
  const released = {
    text: "hello, world",
    seq: 1,
    sent: at,
    session: annSession,
    sig: fromHex(SIG),
  };
  assertOk(verifySaid(room, ann.publicKey, released), "a released signature still verifies");
});

// Sealed boxes are randomised (an ephemeral key each): these were sealed once by rt 0.1.0,
// `ann` to `bob`, as message 2 (direct) and 3 (file) of ann's session.
const DM_BOX = "739709984a22eee6e2e9b9a7bb38bc0d207700dc7099c190a8f16cea407f1c4faf0dca11" +
  "1ab6bb981236ca5b66708080c45ddb5ed2413db4b119f47b9a8729f656fd3d02cf4bc4787410db0006a03f60" +
  "ed80edf1ede2a1579529f07ee9e6807998f8c7e38718096dcd65191cf5e46ad01b7e319441dc7b8fdbc3cf91" +
  "1af0067d2682bb61cc3086b620800006248841c54e7b";
const FILE_BOX = "9e85dfc5e0a956b89739bc7bff8676de673ffd4d39a835a1c8ecf002301d391a05401088" +
  "496006aecfcac21d221efb3881298217959ad07f5389b0ca65ad871010f9bd255f0fda653a6f468e66a89987" +
  "b0ede285a0ac9bb49ecda1b7fe03d0f9e3348d00814598a9e1169c863287b5f17c70f613ccc4c207929bfac6" +
  "bfcf58ff8c842c80319f7442399f0eb69e08812e01c303dc0ca730b8989da687268ff5dc063fe55ec9";
const FILE_BODY = "82a46b696e64a672656a656374a26964c410707172737475767778797a7b7c7d7e7f";

Deno.test("direct and file messages sealed by a released version open here", () => {
  const opener = new DirectOpener(bob, room, bobSession);
  assertEquals(opener.open(fromHex(DM_BOX), ann.publicKey, annSession), {
    text: "just for you",
    me: false,
    seq: 2,
  });
  const file = opener.openFile(fromHex(FILE_BOX), ann.publicKey, annSession);
  assertEquals(file && { body: toHex(file.body), seq: file.seq }, { body: FILE_BODY, seq: 3 });
  assertEquals(decodeTransfer(fromHex(FILE_BODY)), { kind: "reject", id: run(16, 0x70) });
  // Bound to the recipient's session and the sender's: another opens nothing.
  assertEquals(
    new DirectOpener(bob, room, annSession).open(fromHex(DM_BOX), ann.publicKey, annSession),
    null,
  );
  assertEquals(opener.open(fromHex(DM_BOX), ann.publicKey, bobSession), null);
});

// ---- file transfers --------------------------------------------------------------------------

const ID = run(16, 0x70), TRANSFER_KEY = run(32, 0x80);
const ID_HEX = "a26964c410707172737475767778797a7b7c7d7e7f";

const TRANSFER: [TransferMessage, string][] = [
  [
    {
      kind: "offer",
      id: ID,
      key: TRANSFER_KEY,
      files: [{ path: "notes/a.txt", size: 5, type: "text/plain", hash: run(32, 0xa0) }],
    },
    "84a46b696e64a56f66666572" + ID_HEX + "a36b6579c420" + toHex(TRANSFER_KEY) +
    "a566696c65739184a470617468ab6e6f7465732f612e747874a473697a6505a474797065aa746578742f70" +
    "6c61696ea468617368c420" + toHex(run(32, 0xa0)),
  ],
  [{ kind: "accept", id: ID, from: [0] }, "83a46b696e64a6616363657074" + ID_HEX + "a466726f6d9100"],
  [{ kind: "reject", id: ID }, FILE_BODY],
  [
    { kind: "cancel", id: ID, reason: "stopped", resumable: true },
    "84a46b696e64a663616e63656c" + ID_HEX + "a6726561736f6ea773746f70706564a9726573756d61626c65c3",
  ],
  [{ kind: "done", id: ID, ok: true }, "83a46b696e64a4646f6e65" + ID_HEX + "a26f6bc3"],
];

Deno.test("file-transfer control messages have the bytes released versions sent", () => {
  for (const [message, hex] of TRANSFER) {
    assertEquals(toHex(encodeTransfer(message)), hex, message.kind);
    assertEquals(decodeTransfer(fromHex(hex)), message, message.kind);
  }
});

Deno.test("file stream frames are sealed as released versions sealed them", () => {
  const cipher = new StreamCipher(TRANSFER_KEY, ID);
  assertEquals(
    toHex(cipher.seal("content", 0, utf8("hello"))),
    "e9ca53fb0982dd8ef66be958c8c60eb1076ace6e2e",
  );
  assertEquals(toHex(encodeAck(5)), "0000000000000005");
  const ACK = "b95a0e4e7df4db7089bf2f6e4e2c9bee3aa1fd8e57b95477";
  assertEquals(toHex(cipher.seal("acks", 1, encodeAck(5))), ACK);
  assertEquals(decodeAck(cipher.open("acks", 1, fromHex(ACK))!), 5);
  // A large chunk takes the native cipher: the same bytes (its end and tag pinned).
  const big = cipher.seal("content", 2, new Uint8Array(5000).fill(7));
  assertEquals(big.length, 5016);
  assertEquals(
    toHex(big.subarray(-32)),
    "5da63d6a79babee0985b624ee1bb01474ba409fb4aa712d25c580998ee29d953",
  );
});
