/**
 * The real terminal, end to end: `rt` runs in a tmux pane as a person would use it (readline,
 * hidden password prompts, colours), next to peers driven by `--json` (see `harness.ts`) or a
 * rogue host written here. Keys go in with `send-keys`; what a person would see comes back
 * with `capture-pane`. No test depends on timing: each waits for what the screen shows.
 */
import { generateIdentity } from "../../lib/identity/keys.ts";
import { MessageSigner } from "../../lib/client/signing.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { ClientMessage, decodeMessage, encodeMessage } from "../../lib/codec/messages.ts";
import { acceptJoiner, FramedConnection, listenTcp } from "../../lib/transport/mod.ts";
import { nameColourIndex } from "../../lib/tui/style.ts";
import { displayWidth } from "../../lib/tui/width.ts";
import { E2e } from "./harness.ts";
import { randomFile } from "../files/support.ts";
import { Valve } from "./valve.ts";
import { assertNoCrash, screenLines, Terminal, type TerminalOptions, visible } from "./tmux.ts";
import { available } from "./programs.ts";

/** A terminal that joins `127.0.0.1 port` as `name` (password from `RT_PASSWORD`). */
function joinTerminal(
  port: number,
  name: string,
  options: Partial<TerminalOptions> = {},
): Promise<Terminal> {
  return Terminal.open({
    label: name,
    args: ["127.0.0.1", String(port), "--name", name],
    ...options,
    env: { RT_PASSWORD: "pw", ...options.env },
  });
}

/** A terminal that hosts a room on 127.0.0.1 (asks for the password unless `password`). */
function hostTerminal(
  name: string,
  options: Partial<TerminalOptions> & { password?: string } = {},
): Promise<Terminal> {
  return Terminal.open({
    label: name,
    args: ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--name", name],
    ...options,
    env: options.password === undefined ? { ...options.env } : {
      RT_PASSWORD: options.password,
      ...options.env,
    },
  });
}

/** The port a terminal host announced. */
async function announcedPort(host: Terminal): Promise<number> {
  const screen = await host.waitForScreen((s) => /Room is open on port \d+\./.test(s), {
    join: true,
    what: "the room's port",
  });
  return Number(/Room is open on port (\d+)\./.exec(screen)![1]);
}

/** The screen's lines without the `[HH:MM] ` timestamps and without blank lines. */
function chatLines(screen: string): string[] {
  return screenLines(screen)
    .map((l) => l.replace(/^\[\d\d:\d\d\] /, "").replace(/\d{5}( \d{5}){5}/g, "FP"))
    .filter((l) => l !== "");
}

/** The last line on the screen that is not blank (trailing spaces trimmed). */
function lastLine(screen: string): string {
  return screenLines(screen).at(-1) ?? "";
}

/** Whether the input line (the last one) is `prompt` followed by `text`. */
const inputIs = (prompt: string, text = "") => (screen: string) =>
  lastLine(screen) === `${prompt} ${text}`.trimEnd();

const noTmux = !available("tmux");

const MB = 1024 * 1024;
/** How much of a file a valve lets through at a time (a few percent of the files here). */
const STEP = 4 * MB;

function terminalTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: noTmux, fn });
}

terminalTest(
  "a half-typed line stays intact while 50 messages arrive, then is sent as typed",
  async () => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    await using alice = await joinTerminal(port, "alice", { width: 80, height: 24 });
    await alice.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });

    const draft = "half-typed, 漢字 and 🎉 included — not sent yet";
    await alice.type(draft);
    await alice.waitForScreen(inputIs("alice>", draft), { what: "the draft on the input line" });
    for (let i = 1; i <= 50; i++) await host.type(`message ${i} of 50`);
    await alice.waitForScreen(
      (s) => chatLines(s).at(-2) === "hana: message 50 of 50" && inputIs("alice>", draft)(s),
      { what: "the 50th message above the draft" },
    );

    // Every message once, in order, above the input; the draft whole on the last line, with the
    // cursor at its end; nothing else anywhere on the screen or in the scrollback.
    const intro = [
      `Connecting to 127.0.0.1 port ${port}...`,
      `Connected to 127.0.0.1 port ${port}.`,
      "You are in the room as alice (your fingerprint: FP).",
      "2 in the room: hana (host, new), alice (you).",
      "Type a message and press Enter. /help lists commands.",
    ];
    const fifty = Array.from({ length: 50 }, (_, i) => `hana: message ${i + 1} of 50`);
    const before = chatLines(await alice.screen({ history: true, join: true }));
    assertEquals(before, [...intro, ...fifty, `alice> ${draft}`]);
    const cursor = await alice.cursor();
    assertEquals(
      cursor.x,
      displayWidth(`alice> ${draft}`),
      "the cursor is at the end of the draft",
    );
    assertEquals(cursor.y, screenLines(await alice.screen()).length - 1, "on the input line");

    // Enter sends exactly the draft; the input line gives way to the message, shown once.
    await alice.press("Enter");
    const sent = await host.next("message", (e) => e.from === "alice");
    assertEquals(sent.text, draft);
    await alice.waitForScreen(
      (s) => chatLines(s).at(-2) === `alice: ${draft}` && inputIs("alice>")(s),
      { what: "alice's message, then an empty prompt" },
    );
    assertEquals(chatLines(await alice.screen({ history: true, join: true })), [
      ...intro,
      ...fifty,
      `alice: ${draft}`,
      "alice>",
    ]);
    await assertNoCrash(alice);
  },
);

terminalTest("a wrapped input with wide characters survives messages and resizes", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  await using alice = await joinTerminal(port, "alice", { width: 40, height: 20 });
  await alice.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });

  // A line that fills the row exactly (readline then adds a blank row below it) and one whose
  // last character, two columns wide, does not fit on the first row: each is erased whole
  // after Enter, and comes back once, as the message.
  const exact = "this line fills the row exactly..";
  const straddle = "and this one ends on the next ro漢";
  assertEquals(displayWidth(`alice> ${exact}`), 40);
  assertEquals(displayWidth(`alice> ${straddle}`), 41);
  for (const line of [exact, straddle]) {
    await alice.type(line);
    await alice.press("Enter");
    assertEquals(
      (await host.next("message", (e) => e.from === "alice" && e.text === line)).text,
      line,
    );
    await alice.waitForScreen(
      (s) => chatLines(s).at(-2) === `alice: ${line}` && inputIs("alice>")(s),
      { join: true, what: `"${line}" sent` },
    );
  }

  // "alice> " and the first part fill 39 columns: the next character, 漢 (two columns), does
  // not fit on the row and goes to the next one. The input wraps several times at each width.
  const parts = [
    "wide at the edge: abcdefghijklmn",
    "漢字🎉 then more text, かなカナ 😀 and on to wrap again",
    " — after narrowing 中文字 ok",
    " and after widening 🎈 the end",
  ];
  assertEquals(displayWidth(`alice> ${parts[0]}`), 39);
  const ticks: string[] = [];
  const tick = async () => {
    const text = `tick ${ticks.length + 1}`;
    ticks.push(`hana: ${text}`);
    await host.type(text);
    await alice.waitForText(text, { join: true });
  };
  await alice.type(parts[0]!);
  await tick();
  await alice.type(parts[1]!);
  await tick();
  // Narrower while rt is busy: the keys typed after the resize may reach it before the
  // resize signal does.
  await alice.whileStopped(async () => {
    await alice.resize(33, 20);
    await alice.type(parts[2]!);
  });
  await tick();
  await alice.resize(57, 20);
  await alice.type(parts[3]!);
  await tick();
  const text = parts.join("");
  await alice.waitForScreen((s) => chatLines(s).at(-1) === `alice> ${text}`, {
    join: true,
    what: "the whole input, after the last tick",
  });

  await alice.press("Enter");
  const sent = await host.next("message", (e) => e.from === "alice", { count: 3 });
  assertEquals(sent.text, text);
  await alice.waitForScreen(
    (s) => chatLines(s).at(-2) === `alice: ${text}` && inputIs("alice>")(s),
    { join: true, what: "alice's message, then an empty prompt" },
  );
  // The message once, whole; every tick kept; no leftover row of the input anywhere.
  assertEquals(chatLines(await alice.screen({ history: true, join: true })), [
    `Connecting to 127.0.0.1 port ${port}...`,
    `Connected to 127.0.0.1 port ${port}.`,
    "You are in the room as alice (your fingerprint: FP).",
    "2 in the room: hana (host, new), alice (you).",
    "Type a message and press Enter. /help lists commands.",
    `alice: ${exact}`,
    `alice: ${straddle}`,
    ...ticks,
    `alice: ${text}`,
    "alice>",
  ]);
  await assertNoCrash(alice);
});

terminalTest("Tab completes commands and names; Up recalls earlier lines", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  await e2e.join(port, "bartholomew");
  await using alice = await joinTerminal(port, "alice");
  await alice.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });

  // A command at the start of the line: /wh may be /who or /whois, so Tab goes as far as both
  // agree (no space yet); /hel is only /help, so it gets the space.
  await alice.type("/hel");
  await alice.press("Tab");
  await alice.waitForScreen(inputIs("alice>", "/help"), { what: "/hel completed to /help" });
  assertEquals((await alice.cursor()).x, "alice> /help ".length, "a space after /help");
  await alice.press("C-u");
  await alice.type("/wh");
  await alice.press("Tab");
  await alice.waitForScreen(inputIs("alice>", "/who"), { what: "/wh completed to /who" });
  assertEquals((await alice.cursor()).x, "alice> /who".length, "no space: /whois fits too");
  await alice.press("Enter");
  await alice.waitForText("3 in the room: hana (host, new), bartholomew (new), alice (you)");

  // A name at the start of the line gets a colon; elsewhere, a space.
  await alice.type("bart");
  await alice.press("Tab");
  await alice.waitForScreen(inputIs("alice>", "bartholomew:"), { what: "bart completed" });
  await alice.type("hi");
  await alice.press("Enter");
  assertEquals((await host.next("message", (e) => e.from === "alice")).text, "bartholomew: hi");
  await alice.type("thanks BAR");
  await alice.press("Tab");
  await alice.waitForScreen(inputIs("alice>", "thanks bartholomew"), { what: "BAR completed" });
  await alice.type("!");
  await alice.press("Enter");
  const second = await host.next("message", (e) => e.from === "alice", { count: 2 });
  assertEquals(second.text, "thanks bartholomew !");

  // Up walks back through what was sent; Enter sends the recalled line again.
  await alice.waitForScreen(inputIs("alice>"), { what: "an empty prompt" });
  await alice.press("Up");
  await alice.waitForScreen(inputIs("alice>", "thanks bartholomew !"), { what: "Up once" });
  await alice.press("Up");
  await alice.waitForScreen(inputIs("alice>", "bartholomew: hi"), { what: "Up twice" });
  await alice.press("Up");
  await alice.waitForScreen(inputIs("alice>", "/who"), { what: "Up three times" });
  await alice.press("Down");
  await alice.waitForScreen(inputIs("alice>", "bartholomew: hi"), { what: "then Down" });
  await alice.press("Enter");
  const third = await host.next("message", (e) => e.from === "alice", { count: 3 });
  assertEquals(third.text, "bartholomew: hi");
  await alice.waitForScreen((s) => chatLines(s).at(-2) === "alice: bartholomew: hi", {
    what: "the recalled line sent",
  });
  await assertNoCrash(alice);
});

/** Text a peer sends that a terminal would act on if it were written as is. */
const HOSTILE = [
  ["colour", "red \x1b[31mRED\x1b[0m"],
  ["clear", "clear \x1b[2J\x1b[3J\x1b[H gone"],
  ["title", "title \x1b]0;pwned\x07 set"],
  ["clipboard", "clip \x1b]52;c;cHduZWQ=\x07 copied"],
  ["link", "link \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ here"],
  ["bidi", "bidi \u202eevil\u202c text"],
  ["return", "over\rWRITE"],
  ["bell", "ring \x07 ring"],
  ["c1", "csi \u009b2J eight-bit"],
] as const;

/** How `sanitize` shows one hostile text: every control as visible `\x..` or `\u{..}`. */
function inert(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex -- the controls are what is replaced
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/g,
    (c) => {
      const code = c.codePointAt(0)!;
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u{${code.toString(16)}}`;
    },
  );
}

terminalTest("escape sequences from a peer show as inert text", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  await using alice = await joinTerminal(port, "alice", { height: 40 });
  await alice.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });
  const mallory = await e2e.join(port, "mallory");
  await alice.waitForText("→ mallory joined");
  const title = await alice.title();

  for (const [, text] of HOSTILE) await mallory.type(text);
  await mallory.type("/me \x1b[2Jacts \x1b]0;pwned\x07");
  await mallory.type("done");
  await host.next("message", (e) => e.text === "done");
  const screen = await alice.waitForScreen((s) => chatLines(s).at(-2) === "mallory: done", {
    join: true,
    what: "mallory's last message",
  });

  // Each shown once, as the characters of its escapes, on its own line.
  const lines = chatLines(screen);
  for (const [what, text] of HOSTILE) {
    assertEquals(
      lines.filter((l) => l === `mallory: ${inert(text)}`).length,
      1,
      `the ${what} text, inert, once:\n${lines.map(visible).join("\n")}`,
    );
  }
  assertOk(lines.includes("* mallory \\x1b[2Jacts \\x1b]0;pwned\\x07"), "the /me action");
  // Nothing was cleared: what was there before is still on the visible screen.
  assertOk(
    lines.includes("2 in the room: hana (host, new), alice (you)."),
    `the screen was cleared:\n${lines.join("\n")}`,
  );
  // No colour, title, clipboard or bell took effect (NO_COLOR: rt itself writes no escapes).
  const styled = await alice.screen({ escapes: true });
  assertOk(!styled.includes("\x1b"), `escapes on the screen: ${visible(styled)}`);
  assertEquals(await alice.title(), title, "the pane's title");
  assertEquals(await alice.buffers(), [], "no clipboard (OSC 52) buffer");
  assertEquals(await alice.bellRang(), false, "the bell");
  await assertNoCrash(alice);
});

terminalTest("a rogue host cannot take over a joiner's terminal through names either", async () => {
  // A host that speaks the protocol but skips the room's name rules: every name it sends,
  // including the joiner's own, carries escape sequences.
  const listening = listenTcp({ bind: "127.0.0.1", port: 0 });
  const accepts = listening.accept()[Symbol.asyncIterator]();
  let accepted: Deno.Conn;
  await using alice = await joinTerminal(listening.port, "alice", { height: 40 });
  try {
    accepted = (await accepts.next()).value!.conn;
  } finally {
    listening.close();
    await accepts.return?.();
  }
  const framed = new FramedConnection(accepted);
  // The rogue host proves the key it seats as "eve" (a welcome seating another is refused).
  const eve = generateIdentity();
  try {
    const secure = await acceptJoiner(framed, {
      password: () => "pw",
      identity: eve,
    });
    const join = decodeMessage(ClientMessage, (await secure.receive())!);
    assertOk(join.t === "join" && join.nonce?.length === 16, "no session number in the join");
    assertEquals({ t: join.t, name: join.name }, { t: "join", name: "alice" });
    const self = "al\x1b]0;pwned\x07ice";
    const evil = "eve\x1b[2J\x1b]52;c;cHduZWQ=\x07";
    const now = Date.now();
    const send = (message: object) => secure.send(encodeMessage(message));
    // The rogue host signs as "eve" with a key of its own, so her message verifies and shows.
    const room = crypto.getRandomValues(new Uint8Array(16));
    send({
      t: "welcome",
      name: self,
      room,
      members: [
        { name: evil, host: true, since: now, key: eve.publicKey },
        { name: self, host: false, since: now, key: secure.peerKey },
      ],
    });
    send({ t: "joined", name: "bob\u202e\x1b[31m", at: now, key: generateIdentity().publicKey });
    send({ ...new MessageSigner(eve, room).say("hello \x1b[2J"), t: "said", from: evil, at: now });
    send({ t: "notice", text: "notice \x1b]0;pwned\x07" });
    send({ t: "left", name: "bob\u202e\x1b[31m", reason: "quit", at: now });
    const inertSelf = "al\\x1b]0;pwned\\x07ice";
    const inertEvil = "eve\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07";
    await alice.waitForScreen(inputIs(`${inertSelf}>`), {
      join: true,
      what: "alice's prompt, with her name as the host gave it, inert",
    });
    const title = await alice.title();

    // Tab completes a member's name: the completion is inert too.
    await alice.type("hi ev");
    await alice.press("Tab");
    await alice.waitForScreen(inputIs(`${inertSelf}>`, `hi ${inertEvil}`), {
      join: true,
      what: "the evil name completed, inert",
    });
    await alice.press("Enter");
    const said = decodeMessage(ClientMessage, (await secure.receive())!);
    assertEquals(said.t === "say" && said.text, `hi ${inertEvil} `);

    send({ t: "closed", reason: "bye \x1b[2J" });
    assertEquals(await alice.waitForExit(), 0, "alice's exit status");
    const lines = chatLines(await alice.screen({ history: true, join: true }));
    for (
      const line of [
        `You are in the room as ${inertSelf} (your fingerprint: FP).`,
        `2 in the room: ${inertEvil} (host, new), ${inertSelf} (you).`,
        "→ bob\\u{202e}\\x1b[31m joined · new · FP",
        `${inertEvil}: hello \\x1b[2J`,
        "! notice \\x1b]0;pwned\\x07",
        "← bob\\u{202e}\\x1b[31m left",
        "The room is closed: bye \\x1b[2J.",
      ]
    ) assertOk(lines.includes(line), `missing ${line}:\n${lines.join("\n")}`);
    assertOk(lines.includes(`Connected to 127.0.0.1 port ${listening.port}.`), "not cleared");
    assertEquals(await alice.title(), title, "the pane's title");
    assertEquals(await alice.buffers(), [], "no clipboard (OSC 52) buffer");
    await assertNoCrash(alice);
    await secure.end(1000);
  } finally {
    framed.close();
    await framed.done;
  }
});

terminalTest("passwords typed at the hidden prompts never reach the screen", async () => {
  await using e2e = new E2e();
  // The host chooses the password, correcting a typo with Backspace.
  await using hana = await hostTerminal("hana");
  await hana.waitForText("(or press Enter alone to get a generated one):", { join: true });
  await hana.type("tiger-lily-4x");
  await hana.press("BSpace");
  await hana.type("2");
  await hana.press("Enter");
  // A typed password is asked twice, hidden both times.
  await hana.waitForScreen(inputIs("Type it again:"), { what: "the confirmation prompt" });
  await hana.type("tiger-lily-42");
  await hana.press("Enter");
  const port = await announcedPort(hana);

  // A joiner types it at "Password: ", with typos fixed by Backspace (once over a wide
  // character), then takes the offered name.
  await using alice = await Terminal.open({
    label: "alice",
    args: ["127.0.0.1", String(port)],
    env: { USER: "alice" },
  });
  await alice.waitForScreen(inputIs("Password:"), { what: "the password prompt" });
  await alice.type("tiger-lilx漢");
  await alice.press("BSpace", "BSpace");
  await alice.type("y-42");
  await alice.press("Enter");
  await alice.waitForScreen(inputIs("Your name [alice]:"), { what: "the name prompt" });
  await alice.press("Enter");
  await alice.waitForText("You are in the room as alice (your fingerprint:", { join: true });
  await hana.waitForText("→ alice joined");
  // And a JSON joiner with the same password gets in too: it was set as typed.
  await e2e.join(port, "bob", "tiger-lily-42");
  await alice.waitForText("→ bob joined");

  for (const terminal of [hana, alice]) {
    const all = await terminal.screen({ history: true, join: true });
    for (const secret of ["tiger", "lily", "lilx", "4x", "漢"]) {
      assertOk(!all.includes(secret), `"${secret}" on ${terminal.label}'s screen:\n${all}`);
    }
  }
  // The prompts stayed empty: nothing was echoed after them.
  const hanaLines = chatLines(await hana.screen({ history: true, join: true }));
  assertOk(
    hanaLines.includes("(or press Enter alone to get a generated one):"),
    hanaLines.join("\n"),
  );
  assertOk(hanaLines.includes("Type it again:"), hanaLines.join("\n"));
  const aliceLines = chatLines(await alice.screen({ history: true, join: true }));
  assertOk(aliceLines.includes("Password:"), aliceLines.join("\n"));
  await hana.press("C-c");
  assertEquals(await hana.waitForExit(), 0, "the host's exit status");
  assertEquals(await alice.waitForExit(), 0, "alice's exit status");
  await assertNoCrash(hana);
  await assertNoCrash(alice);
});

terminalTest(
  "Ctrl+C and Ctrl+D: a joiner leaves, the host closes the room, exit codes",
  async () => {
    await using e2e = new E2e();
    await using hana = await hostTerminal("hana", { password: "pw" });
    const port = await announcedPort(hana);
    await hana.waitForScreen(inputIs("hana>"), { what: "the host's prompt" });
    const bob = await e2e.join(port, "bob");

    // Ctrl+C: alice leaves (exit 0); the host and bob see that she left.
    {
      await using alice = await joinTerminal(port, "alice");
      await alice.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });
      await hana.waitForText("→ alice joined");
      await alice.press("C-c");
      assertEquals(await alice.waitForExit(), 0, "alice's exit status after Ctrl+C");
      await hana.waitForText("← alice left");
      assertEquals((await bob.next("left", (e) => e.name === "alice")).reason, "quit");
      await assertNoCrash(alice);
    }

    // Ctrl+D leaves only on an empty line: not while carol has text typed.
    {
      await using carol = await joinTerminal(port, "carol");
      await carol.waitForScreen(inputIs("carol>"), { what: "carol's prompt" });
      await carol.type("draft");
      await carol.press("C-d");
      await carol.press("C-u");
      await carol.waitForScreen(inputIs("carol>"), { what: "the draft deleted with Ctrl+U" });
      assertEquals(await carol.exitCode(), null, "carol left on Ctrl+D with text typed");
      await carol.press("C-d");
      assertEquals(await carol.waitForExit(), 0, "carol's exit status after Ctrl+D");
      await hana.waitForText("← carol left");
      assertEquals((await bob.next("left", (e) => e.name === "carol")).reason, "quit");
      await assertNoCrash(carol);
    }

    // Ctrl+C at the host: the room closes for everyone; every program exits 0.
    await using dave = await joinTerminal(port, "dave");
    await dave.waitForScreen(inputIs("dave>"), { what: "dave's prompt" });
    await hana.waitForText("→ dave joined");
    await hana.press("C-c");
    assertEquals(await hana.waitForExit(), 0, "the host's exit status after Ctrl+C");
    await hana.waitForText("The room is closed: you closed the room.");
    assertEquals(await dave.waitForExit(), 0, "dave's exit status");
    await dave.waitForText("The room is closed: the host closed the room.");
    assertEquals((await bob.next("closed")).reason, "the host closed the room");
    assertEquals((await bob.exit()).code, 0, bob.describe());
    await assertNoCrash(hana);
    await assertNoCrash(dave);
  },
);

terminalTest("Ctrl+C at the password prompts exits 130; three wrong passwords exit 1", async () => {
  await using e2e = new E2e();
  await using hana = await hostTerminal("hana");
  await hana.waitForText("(or press Enter alone to get a generated one):", { join: true });
  await hana.type("abc");
  await hana.press("C-c");
  assertEquals(await hana.waitForExit(), 130, "the host's exit status");
  assertOk(!(await hana.screen({ history: true })).includes("Room is open"), "a room opened");

  const { process: host, port } = await e2e.host({ name: "hana", password: "right" });
  await using quitter = await Terminal.open({ label: "quitter", args: ["127.0.0.1", `${port}`] });
  await quitter.waitForScreen(inputIs("Password:"), { what: "the password prompt" });
  await quitter.press("C-c");
  assertEquals(await quitter.waitForExit(), 130, "a joiner's exit status at its prompt");

  await using mallory = await Terminal.open({
    label: "mallory",
    args: ["127.0.0.1", String(port), "--name", "mallory"],
  });
  for (const [i, left] of [[1, "2 tries"], [2, "1 try"], [3, null]] as const) {
    await mallory.waitForScreen(inputIs("Password:"), { what: `password prompt ${i}` });
    await mallory.type(`nope-${i}`);
    await mallory.press("Enter");
    if (left) await mallory.waitForText(`Wrong password. ${left} left on this connection.`);
  }
  assertEquals(await mallory.waitForExit(), 1, "mallory's exit status");
  const lines = chatLines(await mallory.screen({ history: true, join: true }));
  assertOk(
    lines.includes("✗ Wrong password too many times; the host closed the connection"),
    lines.join("\n"),
  );
  assertOk(!lines.some((l) => l.includes("nope")), `a password on the screen:\n${lines}`);
  await host.next("notice", (e) => e.code === "denied");
  for (const t of [quitter, mallory]) await assertNoCrash(t);
});

/** One character of a line captured with escapes, and the attributes it is shown with. */
interface StyledChar {
  char: string;
  bold: boolean;
  reverse: boolean;
  /** The SGR foreground colour code (30-37, 90-97), or null for the default. */
  fg: number | null;
}

/** Follows the SGR sequences of a line captured with `-e`, character by character. */
function styledChars(line: string): StyledChar[] {
  const out: StyledChar[] = [];
  let bold = false, reverse = false, fg: number | null = null;
  // deno-lint-ignore no-control-regex -- the escape character is what is matched
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    // deno-lint-ignore no-control-regex -- the escape character is what is matched
    const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (!sgr) {
      for (const char of part) out.push({ char, bold, reverse, fg });
      continue;
    }
    const codes = sgr[1]!.split(";").map((c) => Number(c || "0"));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code === 0) [bold, reverse, fg] = [false, false, null];
      else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code === 7) reverse = true;
      else if (code === 27) reverse = false;
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) fg = code;
      else if (code === 39) fg = null;
      else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4;
    }
  }
  return out;
}

/** The text of styled characters. */
function plainText(chars: StyledChar[]): string {
  return chars.map((c) => c.char).join("");
}

terminalTest(
  "mentions are highlighted in colour and readable without; /bell off silences",
  async () => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    await using coloured = await joinTerminal(port, "alice", { color: true });
    await using plain = await joinTerminal(port, "ann");
    await coloured.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });
    await plain.waitForScreen(inputIs("ann>"), { what: "ann's prompt" });
    // ann turns the bell off; alice keeps it on (the default).
    await plain.type("/bell off");
    await plain.press("Enter");
    await plain.waitForText("Bell off.");

    await host.type("hey alice and ann, look");
    await host.type("that was all");
    const line = "hana: hey alice and ann, look";
    await coloured.waitForText("that was all");
    await plain.waitForText("that was all");

    // With colours: the mention in reverse video (SGR 7), the sender's name in its colour.
    const styled = screenLines(await coloured.screen({ escapes: true }))
      .map(styledChars).find((l) => plainText(l).includes(line));
    assertOk(styled, "the mention line");
    const at = plainText(styled).indexOf(line);
    const describe = JSON.stringify(styled.slice(at));
    const hana = styled.slice(at, at + 4);
    // The name palette of lib/tui/style.ts.
    const colour = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96][nameColourIndex("hana")];
    assertOk(hana.every((c) => c.fg === colour && !c.reverse), `hana in ${colour}: ${describe}`);
    const mention = styled.slice(at + "hana: hey ".length).slice(0, "alice".length);
    assertEquals(plainText(mention), "alice");
    assertOk(mention.every((c) => c.reverse && c.bold), `alice in reverse video: ${describe}`);
    const others = styled.slice(at + "hana: hey alice".length);
    assertOk(others.every((c) => !c.reverse), `reverse video after the mention: ${describe}`);
    // The same line reads the same as plain text.
    assertOk(chatLines(await coloured.screen()).includes(line), "the coloured line as text");
    await coloured.waitForBell();

    // NO_COLOR: the line is plain and whole; no escapes at all; no bell after /bell off (the
    // second message came after the first, so a bell would have been seen by then).
    assertOk(chatLines(await plain.screen()).includes(line), "the plain line");
    const plainStyled = await plain.screen({ escapes: true });
    assertOk(!plainStyled.includes("\x1b"), `escapes with NO_COLOR: ${visible(plainStyled)}`);
    assertEquals(await plain.bellRang(), false, "a bell after /bell off");
    await assertNoCrash(coloured);
    await assertNoCrash(plain);
  },
);

terminalTest("status lines stay just above a half-typed line, once, through resizes", async () => {
  // The real program: hana hosts in one terminal and receives a file that bob, in another,
  // sends her. bob's connection goes through a valve that lets the file through a step at a
  // time, so hana's progress line moves when the test says and stays up for as long as it
  // needs; cleo (--json) says a line at each step.
  await using e2e = new E2e();
  const folder = await Deno.makeTempDir({ prefix: "rt-status-lines-" });
  try {
    const file = "holiday photos 漢字.tar";
    await randomFile(`${folder}/${file}`, 50 * MB);
    await using hana = await hostTerminal("hana", { password: "pw", width: 60, height: 20 });
    const port = await announcedPort(hana);
    await using valve = Valve.open(port);
    await using bob = await joinTerminal(valve.port, "bob");
    const cleo = await e2e.join(port, "cleo");
    await bob.waitForScreen(inputIs("bob>"), { what: "bob's prompt" });
    await hana.waitForScreen((s) => chatLines(s).some((l) => l.startsWith("→ cleo joined")), {
      join: true,
      what: "cleo in the room",
    });
    await bob.type(`/send hana "${folder}/${file}"`);
    await bob.press("Enter");
    await hana.waitForText(`bob offers you ${file}`, { join: true, timeoutMs: 30_000 });
    valve.closeAfter(STEP);
    await hana.type("/accept");
    await hana.press("Enter");

    /** Lines with a percentage: status lines, wherever they are. */
    const statusLines = (screen: string) => chatLines(screen).filter((l) => /\d+%/.test(l));
    const percent = (screen: string) =>
      Number(/(\d+)%/.exec(statusLines(screen).at(-1) ?? "")?.[1]);
    const isBar = (line: string | undefined) => /^#\d+ ↓ from bob {2}holiday/.test(line ?? "");
    // Every capture, from the scrollback's start: never two status lines at once.
    let most = 0;
    const watch = (what: string, done: (screen: string) => boolean, timeoutMs?: number) =>
      hana.waitForScreen((s) => {
        most = Math.max(most, statusLines(s).length);
        return done(s);
      }, { history: true, join: true, what, timeoutMs });
    let ticks = 0;
    /** Lets one more step of the file through, cleo says one more line; both show. */
    const step = async (from: number) => {
      ticks++;
      valve.closeAfter(STEP);
      await cleo.type(`tick ${ticks}`);
      return await watch(`progress past ${from}% and cleo's tick ${ticks}`, (s) => {
        const lines = chatLines(s);
        return percent(s) > from && lines.includes(`cleo: tick ${ticks}`) &&
          isBar(lines.at(-2));
      });
    };

    const first = await watch("the prompt, below a status line", (s) => {
      const lines = chatLines(s);
      return lines.at(-1) === "hana>" && isBar(lines.at(-2));
    });

    // A draft that wraps at every width here, with wide characters, and the cursor inside it;
    // the status line is redrawn under it, and after the terminal narrows, then widens (rt is
    // stopped meanwhile: tmux rewraps at once but may tell the program's terminal late).
    const draft =
      "a half-typed draft with 漢字 and more words, long enough to wrap over the edge, unsent";
    await hana.type(draft);
    await hana.press("Left", "Left", "Left", "Left", "Left", "Left");
    const typed = await step(percent(first));
    await hana.whileStopped(() => hana.resize(45, 20));
    const narrower = await step(percent(typed));
    await hana.whileStopped(() => hana.resize(70, 20));
    await step(percent(narrower));
    const moved = await watch(
      "the last line said, with the draft whole below the status line",
      (s) =>
        chatLines(s).at(-1) === `hana> ${draft}` && isBar(chatLines(s).at(-2)) &&
        chatLines(s).includes(`cleo: tick ${ticks}`),
    );
    assertEquals(most, 1, `never more than one status line\n${await hana.describe()}`);

    // Everything in order: the lines said, the status line once, the draft last.
    const lines = chatLines(moved);
    const status = lines.findIndex((l) => /\d+%/.test(l));
    assertEquals(status, lines.length - 2, `the status line above the input:\n${lines.join("\n")}`);
    assertOk(isBar(lines[status]), lines[status]);
    const said = lines.filter((l) => /^cleo: tick \d+$/.test(l));
    assertEquals(said, said.map((_, i) => `cleo: tick ${i + 1}`), "every line once, in order");
    assertEquals(said.length, ticks, "every line once, in order");
    assertEquals(lines.indexOf(`cleo: tick ${ticks}`), status - 1, "the last line above it");

    // The cursor stayed where it was in the draft: a key typed now goes there.
    await hana.type("X");
    const edited = `${draft.slice(0, -6)}X${draft.slice(-6)}`;
    await hana.waitForScreen((s) => chatLines(s).at(-1) === `hana> ${edited}`, {
      join: true,
      what: "X typed six characters before the end",
    });

    // Enter: the line goes out and shows above the status line, the input is empty again.
    await hana.press("Enter");
    await cleo.next("message", (e) => e.from === "hana" && e.text === edited);
    await watch("the message above the status line, then an empty prompt", (s) => {
      const [message, bar, input] = chatLines(s).slice(-3);
      return message === `hana: ${edited}` && isBar(bar) && input === "hana>";
    });

    // Tab twice lists /who and /whois below the input: the status line moves below the list.
    await hana.type("/wh");
    await hana.press("Tab");
    await hana.waitForScreen(inputIs("hana>", "/who"), { what: "/wh completed to /who" });
    await hana.press("Tab");
    await hana.waitForScreen((s) => chatLines(s).includes("/who    /whois"), { what: "the list" });
    await hana.press("Enter");
    await watch("/who's answer above the status line", (s) => {
      const lines = chatLines(s);
      return lines.at(-3)?.startsWith("3 in the room: hana") === true && isBar(lines.at(-2)) &&
        lines.at(-1) === "hana>";
    });
    assertEquals(most, 1, `never more than one status line\n${await hana.describe()}`);

    // An input that fills its last row exactly once the terminal is narrower, the cursor at its
    // end: the terminal leaves the cursor on that row, not the next; nothing above is erased.
    const exact = "x".repeat(84);
    assertEquals(displayWidth(`hana> ${exact}`), 2 * 45);
    await hana.type(exact);
    // (Each capture waited for has the status line drawn: rt redraws it as the transfer's
    // figures change, and a capture may fall between the erasing and the drawing.)
    const wide = await watch(
      "the long input below the status line",
      (s) => chatLines(s).at(-1) === `hana> ${exact}` && isBar(chatLines(s).at(-2)),
    );
    await hana.whileStopped(() => hana.resize(45, 20));
    // A key after the resize: rt has seen the new size by the time it shows.
    await hana.type("y");
    const narrow = await watch(
      "the long input after narrowing",
      (s) => chatLines(s).at(-1) === `hana> ${exact}y` && isBar(chatLines(s).at(-2)),
    );
    assertEquals(chatLines(narrow).slice(0, -2), chatLines(wide).slice(0, -2), "lines above kept");
    // And the status line between, cut to the new width.
    const cut = chatLines(narrow).at(-2)!;
    assertOk(isBar(cut) && displayWidth(cut) <= 45, `the status line at 45 columns: ${cut}`);
    await hana.press("C-u");

    // The rest of the file goes: the status line comes down once it is saved, the draft stays.
    await hana.type("still typing");
    valve.open();
    const saved = await watch(
      "the file saved, no status line, the draft below",
      (s) =>
        chatLines(s).some((l) => l.includes(`Saved ${file} from bob`)) &&
        statusLines(s).length === 0 && chatLines(s).at(-1) === "hana> still typing",
      120_000, // plenty of time for the rest of the file; no test asserts how long it took
    );
    assertOk(chatLines(saved).every((l) => !isBar(l)), "a status line left after the end");
    await hana.press("C-u");

    // Closing the interface leaves no status line behind.
    await hana.type("/quit");
    await hana.press("Enter");
    assertEquals(await hana.waitForExit(), 0, "hana's exit status");
    const end = await hana.screen({ history: true, join: true });
    assertEquals(statusLines(end), [], "no status line left after close");
    assertEquals(most, 1, `never more than one status line\n${await hana.describe()}`);
    await assertNoCrash(hana);
    await assertNoCrash(bob);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

// Issue 14: advice that fits, and words that read right.

terminalTest("a room on 127.0.0.1 says only this computer can join, not to forward", async () => {
  // Without --no-upnp: there is no router to ask for a room nobody else can reach.
  await using hana = await Terminal.open({
    label: "hana",
    args: ["--bind", "127.0.0.1", "--port", "0", "--name", "hana"],
    env: { RT_PASSWORD: "pw" },
  });
  const port = await announcedPort(hana);
  await hana.waitForScreen(inputIs("hana>"), { what: "the host's prompt" });
  const all = (await hana.screen({ history: true, join: true })).replace(/\s+/g, " ");
  assertOk(all.includes("Only this computer can join"), all);
  assertOk(all.includes(`rt 127.0.0.1 ${port}`), all);
  assertOk(!/router|forward/i.test(all), `router advice for a room on 127.0.0.1:\n${all}`);
  // /help is offered once, in the welcome.
  assertEquals(all.split("/help").length - 1, 1, all);
  await hana.press("C-c");
  assertEquals(await hana.waitForExit(), 0, "the host's exit status");
  await assertNoCrash(hana);
});

terminalTest("a member the host removes reads that, not that the room is closed", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  await using dave = await joinTerminal(port, "dave");
  await dave.waitForScreen(inputIs("dave>"), { what: "dave's prompt" });
  await host.type("/kick dave");
  await host.next("notice", (e) => e.code === "kicked");
  assertEquals(await dave.waitForExit(), 0, "dave's exit status");
  const lines = chatLines(await dave.screen({ history: true, join: true }));
  assertOk(lines.includes("The host removed you from the room."), lines.join("\n"));
  assertOk(!lines.some((l) => l.includes("room is closed")), lines.join("\n"));
  await assertNoCrash(dave);
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());
});

terminalTest(
  "/trust reads as done, /help lines up, a small file's time reads sensibly",
  async () => {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    const bob = await e2e.join(port, "bob");
    await using alice = await joinTerminal(port, "alice", { width: 100, height: 40 });
    await alice.waitForScreen(inputIs("alice>"), { what: "alice's prompt" });

    await alice.type("/trust hana");
    await alice.press("Enter");
    const trusted = await alice.waitForScreen(
      (s) => chatLines(s).some((l) => l.includes("hana's key is now marked verified")),
      { join: true, what: "the /trust confirmation" },
    );
    const confirmation = chatLines(trusted).find((l) => l.includes("now marked verified"))!;
    assertOk(confirmation.startsWith("✓ "), confirmation);

    await alice.type("/help");
    await alice.press("Enter");
    const help = await alice.waitForScreen(
      (s) => chatLines(s).some((l) => l.trimStart().startsWith("/unblock ADDRESS|NAME")),
      { join: true, what: "the help" },
    );
    const rows = chatLines(help).filter((l) => /^ {2}\/\S/.test(l));
    const usages = ["/send NAME|all PATH...", "/unblock ADDRESS|NAME", "/who", "/quit"];
    const columns = usages.map((usage) => {
      const row = rows.find((l) => l.trimStart().startsWith(`${usage} `));
      assertOk(row, `no help row for ${usage}:\n${rows.join("\n")}`);
      // Where the explanation starts: after the usage and the spaces that follow it.
      const end = row.indexOf(usage) + usage.length;
      return displayWidth(row.slice(0, end + /^ */.exec(row.slice(end))![0].length));
    });
    assertEquals(new Set(columns).size, 1, `explanations start at columns ${columns}`);

    const folder = await Deno.makeTempDir({ prefix: "rt-small-file-" });
    try {
      await Deno.writeTextFile(`${folder}/note.txt`, "twenty-two bytes here\n");
      await alice.type(`/send bob ${folder}/note.txt`);
      await alice.press("Enter");
      const offer = await bob.next("file-offer");
      await bob.type(`/accept ${offer.id}`);
      const done = await alice.waitForScreen(
        (s) => chatLines(s).some((l) => l.includes("bob received note.txt intact")),
        { join: true, what: "the transfer's end" },
      );
      const line = chatLines(done).find((l) => l.includes("bob received note.txt intact"))!;
      assertOk(line.includes("(22 B"), line);
      assertOk(!/\bin 0(\.\d)? s\b/.test(line), line);
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
    await assertNoCrash(alice);
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0, host.describe());
  },
);
