import { assertEquals, assertNotEquals, assertOk, assertThrows } from "../assert.ts";
import { HostAttempt, JoinerAttempt, randomNonce } from "../../lib/handshake/protocol.ts";
import { utf8 } from "../../lib/util/mod.ts";
import { RtError } from "../../lib/errors.ts";

function attempt(hostPassword: string, joinerPassword: string, attemptNo = 1) {
  const hostNonce = randomNonce();
  const greeting = utf8("greeting bytes");
  const joiner = new JoinerAttempt({
    password: joinerPassword,
    greeting,
    hostNonce,
    attempt: attemptNo,
  });
  const shareFrame = utf8("share frame bytes");
  const hostP = HostAttempt.respond(
    { password: hostPassword, greeting, hostNonce, attempt: attemptNo },
    shareFrame,
    { nonce: joiner.nonce, y: joiner.share },
  );
  return { joiner, hostP, shareFrame };
}

Deno.test("the same password gives both sides the same keys, one per direction", () => {
  const { joiner, hostP, shareFrame } = attempt("pässword", "pa\u0308ssword");
  const host = hostP;
  const { keys, confirm } = joiner.finish(shareFrame, {
    y: host.share,
    confirm: host.confirm,
  });
  const hostKeys = host.verify(confirm);
  assertOk(hostKeys, "host accepts the joiner's confirmation");
  assertEquals(hostKeys, keys);
  assertNotEquals(keys.joinerToHost, keys.hostToJoiner);
});

Deno.test("a wrong password is detected by both sides", () => {
  const { joiner, hostP, shareFrame } = attempt("right", "wrong");
  const host = hostP;
  assertThrows(
    () => joiner.finish(shareFrame, { y: host.share, confirm: host.confirm }),
    (e) => e instanceof RtError && e.code === "wrong-password",
  );
  assertEquals(host.verify(new Uint8Array(32)), null);
});

Deno.test("a joiner tag from another attempt is refused", () => {
  const a = attempt("pw", "pw");
  const b = attempt("pw", "pw");
  const hostA = a.hostP, hostB = b.hostP;
  const { confirm } = b.joiner.finish(b.shareFrame, {
    y: hostB.share,
    confirm: hostB.confirm,
  });
  assertEquals(hostA.verify(confirm), null);
});

Deno.test("invalid shares from either side abort the attempt", () => {
  const hostNonce = randomNonce();
  const input = { password: "pw", greeting: utf8("g"), hostNonce, attempt: 1 };
  for (const y of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
    assertThrows(
      () => HostAttempt.respond(input, utf8("s"), { nonce: randomNonce(), y }),
      (e) => e instanceof RtError && e.code === "handshake-invalid-share",
    );
    assertThrows(
      () => new JoinerAttempt(input).finish(utf8("s"), { y, confirm: new Uint8Array(32) }),
      (e) => e instanceof RtError && e.code === "handshake-invalid-share",
    );
  }
});

Deno.test("tampering with the transcript breaks key confirmation", () => {
  const { joiner, hostP } = attempt("pw", "pw");
  const host = hostP;
  assertThrows(
    () => joiner.finish(utf8("a different share frame"), { y: host.share, confirm: host.confirm }),
    (e) => e instanceof RtError && e.code === "wrong-password",
  );
});
