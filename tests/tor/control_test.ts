/**
 * Logging in to Tor's control port: rt proves nothing to, and sends nothing secret to, a
 * program that has not proved it knows Tor's cookie (SAFECOOKIE, Tor's control-spec); a raw
 * cookie is never sent; a password only when the user gave one and Tor cannot do SAFECOOKIE.
 * Fake control ports on loopback play the hostile side, a real `tor` the honest one.
 */
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { addOnion, readCookieFile } from "../../lib/tor/control.ts";
import { RtError } from "../../lib/errors.ts";
import { loadOrCreateIdentity } from "../../lib/store/identity_file.ts";
import { fakeControl, recordingRelay, startTor } from "./fake_control.ts";
import { available } from "../e2e/programs.ts";

/** Reads a file whole, as rt's cookie reader once did. */
const readWhole = (path: string) => Deno.readFile(path);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rt-tor-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Whether any 8 bytes in a row of `secret` appear in `text`, as hex (either case) or as text. */
function leaks(text: string, secret: Uint8Array): boolean {
  const lower = text.toLowerCase();
  const plain = new TextDecoder().decode(secret);
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (lower.includes(hex(secret.subarray(i, i + 8)))) return true;
  }
  for (let i = 0; i + 8 <= plain.length; i++) if (text.includes(plain.slice(i, i + 8))) return true;
  return false;
}

function refusedWith(words: RegExp) {
  return (e: unknown) => {
    assertOk(e instanceof RtError, String(e));
    assertEquals(e.code, "connect-failed");
    assertOk(words.test(e.message), e.message);
    return true;
  };
}

Deno.test("a control port that names rt's identity file as its cookie gets nothing of it", async () => {
  await withTempDir(async (home) => {
    await loadOrCreateIdentity(home);
    const identityFile = join(home, "identity.json");
    const secret = await Deno.readFile(identityFile);
    for (const methods of ["COOKIE", "COOKIE,SAFECOOKIE", "SAFECOOKIE"]) {
      await using fake = fakeControl({ methods, cookieFile: identityFile });
      await assertRejects(
        () => addOnion(41234, 41234, { port: fake.port, readCookie: readWhole }),
        refusedWith(/cookie/i),
      );
      await fake.close();
      assertOk(!leaks(fake.transcript(), secret), `${methods}: ${fake.transcript()}`);
      assertOk(!fake.received.some((l) => l.startsWith("AUTHENTICATE")), fake.transcript());
    }
  });
});

Deno.test("a raw cookie is never sent, even a 32-byte one, when Tor offers only COOKIE", async () => {
  await withTempDir(async (dir) => {
    const cookie = crypto.getRandomValues(new Uint8Array(32));
    await Deno.writeFile(join(dir, "control_auth_cookie"), cookie);
    await using fake = fakeControl({
      methods: "COOKIE",
      cookieFile: join(dir, "control_auth_cookie"),
      cookie,
    });
    await assertRejects(
      () => addOnion(41234, 41234, { port: fake.port, readCookie: readWhole }),
      refusedWith(/SAFECOOKIE/),
    );
    await fake.close();
    assertOk(!leaks(fake.transcript(), cookie), fake.transcript());
  });
});

Deno.test("a control port that cannot produce the server hash is refused before rt answers", async () => {
  await withTempDir(async (dir) => {
    const cookie = crypto.getRandomValues(new Uint8Array(32));
    await Deno.writeFile(join(dir, "cookie"), cookie);
    // It names a real 32-byte cookie but does not know it: its SERVERHASH is made up.
    await using fake = fakeControl({
      methods: "COOKIE,SAFECOOKIE",
      cookieFile: join(dir, "cookie"),
    });
    await assertRejects(
      () => addOnion(41234, 41234, { port: fake.port, readCookie: readWhole }),
      refusedWith(/did not prove/),
    );
    await fake.close();
    assertOk(fake.received.some((l) => /^AUTHCHALLENGE SAFECOOKIE [0-9A-Fa-f]{64}$/.test(l)));
    assertOk(!fake.received.some((l) => l.startsWith("AUTHENTICATE")), fake.transcript());
    assertOk(!fake.received.some((l) => l.startsWith("ADD_ONION")), fake.transcript());
    assertOk(!leaks(fake.transcript(), cookie), fake.transcript());
  });
});

Deno.test("SAFECOOKIE with a control port that knows the cookie: logged in, onion added", async () => {
  await withTempDir(async (dir) => {
    const cookie = crypto.getRandomValues(new Uint8Array(32));
    await Deno.writeFile(join(dir, "cookie"), cookie);
    await using fake = fakeControl({
      methods: "COOKIE,SAFECOOKIE,HASHEDPASSWORD",
      cookieFile: join(dir, "cookie"),
      cookie,
    });
    const onion = await addOnion(41234, 41234, {
      port: fake.port,
      readCookie: readWhole,
      password: "not to be sent",
    });
    assertEquals(onion.address, `${"a".repeat(56)}.onion`);
    await onion.close();
    await fake.close();
    assertEquals(fake.received.map((l) => l.split(" ")[0]), [
      "PROTOCOLINFO",
      "AUTHCHALLENGE",
      "AUTHENTICATE",
      "ADD_ONION",
      "DEL_ONION",
    ]);
    assertOk(!fake.transcript().includes("not to be sent"), "the password stays home");
    assertOk(!leaks(fake.transcript(), cookie), fake.transcript());
  });
});

Deno.test("a cookie file must be a regular file of exactly 32 bytes", async () => {
  await withTempDir(async (dir) => {
    const good = crypto.getRandomValues(new Uint8Array(32));
    await Deno.writeFile(join(dir, "good"), good);
    assertEquals(await readCookieFile(join(dir, "good")), good);
    await Deno.writeFile(join(dir, "short"), good.subarray(0, 31));
    await Deno.writeFile(join(dir, "long"), new Uint8Array(33));
    for (const name of ["short", "long", "missing"]) {
      await assertRejects(() => readCookieFile(join(dir, name)), refusedWith(/cookie/i));
    }
    await assertRejects(() => readCookieFile(dir), refusedWith(/not a file/));
    if (Deno.build.os !== "windows") {
      // A device that never ends, and a pipe that would block a reader forever.
      await assertRejects(() => readCookieFile("/dev/zero"), refusedWith(/not a file/));
      const fifo = join(dir, "fifo");
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output().catch(() => null);
      if (made?.success) {
        await assertRejects(() => readCookieFile(fifo), refusedWith(/not a file/));
      }
    }
  });
});

Deno.test("a password goes only to the configured port, only when given, without SAFECOOKIE", async () => {
  {
    await using fake = fakeControl({ methods: "HASHEDPASSWORD", password: "pw" });
    await assertRejects(
      () => addOnion(41234, 41234, { port: fake.port, readCookie: readWhole }),
      refusedWith(/RT_TOR_PASSWORD/),
    );
    await fake.close();
    assertOk(!fake.received.some((l) => l.startsWith("AUTHENTICATE")), fake.transcript());
  }
  {
    await using fake = fakeControl({ methods: "HASHEDPASSWORD", password: 'p"w' });
    const onion = await addOnion(41234, 41234, { port: fake.port, password: 'p"w' });
    await onion.close();
    await fake.close();
    assertOk(fake.received.includes('AUTHENTICATE "p\\"w"'), fake.transcript());
  }
});

Deno.test("NULL authentication sends nothing secret", async () => {
  await using fake = fakeControl({ methods: "NULL" });
  const onion = await addOnion(41234, 41234, { port: fake.port, password: "secret" });
  await onion.close();
  await fake.close();
  assertOk(fake.received.includes("AUTHENTICATE"), fake.transcript());
  assertOk(!fake.transcript().includes("secret"));
});

Deno.test("a control port that never answers is given up on", async () => {
  await using fake = fakeControl({ methods: "NULL", silent: true });
  await assertRejects(
    () => addOnion(41234, 41234, { port: fake.port, timeoutMs: 300 }),
    refusedWith(/did not answer/),
  );
});

Deno.test({
  name: "the real tor: SAFECOOKIE logs in, and the cookie itself never crosses the socket",
  ignore: !available("tor"),
  fn: async () => {
    await withTempDir(async (dir) => {
      await using tor = await startTor(join(dir, "tor"));
      await using relay = recordingRelay(tor.port);
      const onion = await addOnion(41234, 41234, { port: relay.port });
      assertOk(/^[a-z2-7]{56}\.onion$/.test(onion.address), onion.address);
      await onion.close();
      await relay.close();
      const sent = relay.transcript.fromRt;
      assertOk(/AUTHCHALLENGE SAFECOOKIE [0-9A-Fa-f]{64}\r\n/.test(sent), sent);
      assertOk(/AUTHENTICATE [0-9A-Fa-f]{64}\r\n/.test(sent), sent);
      assertOk(relay.transcript.fromTor.includes("250-ServiceID="), relay.transcript.fromTor);
      const cookie = await Deno.readFile(join(dir, "tor", "control_auth_cookie"));
      assertEquals(cookie.length, 32);
      assertOk(!leaks(sent, cookie), sent);
    });
  },
});
