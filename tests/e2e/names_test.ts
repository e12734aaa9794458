/**
 * Names, end to end: the name prompt refuses a name with spaces and says what is allowed, offers
 * a free name after a taken one (alice2, not the name it just refused), and every name it
 * accepts works in the commands that take a name, typed or completed with Tab, even names with
 * quotes or `|`. The host refuses a name with spaces from a joiner that does not check it.
 */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { NAME_RULES } from "../../lib/room/names.ts";
import { joinMember } from "./attack_tools.ts";
import { E2e } from "./harness.ts";
import { screenLines, Terminal } from "./tmux.ts";
import { available } from "./programs.ts";

const noTmux = !available("tmux");

/** The last line on the screen that is not blank. */
const lastLine = (screen: string) => screenLines(screen).at(-1) ?? "";

Deno.test({
  name: "the name prompt refuses spaces saying what is allowed, and offers a free name",
  ignore: noTmux,
  async fn() {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "alice" });
    // Her login name is taken by the host.
    await using carol = await Terminal.open({
      label: "carol",
      args: ["127.0.0.1", String(port)],
      env: { RT_PASSWORD: "pw", USER: "alice" },
      height: 40,
    });
    await carol.waitForScreen((s) => lastLine(s) === "Your name [alice]:", {
      what: "the name prompt offering her login name",
    });
    await carol.press("Enter");
    await carol.waitForScreen((s) => lastLine(s) === "Your name [alice2]:", {
      join: true,
      what: "the prompt offering alice2 after alice was taken",
    });
    assertOk((await carol.screen({ join: true })).includes('The name "alice" is taken'));

    await carol.type("carol the great");
    await carol.press("Enter");
    const screen = await carol.waitForScreen(
      (s) => lastLine(s) === "Your name [carol_the_great]:",
      { join: true, what: "the prompt offering carol_the_great" },
    );
    assertOk(screen.includes("A name cannot contain spaces"), screen);
    assertOk(screen.replaceAll("\n", "").includes(NAME_RULES), `the rules are said:\n${screen}`);
    assertEquals(host.all("joined"), [], "nothing was sent to the host as a name");

    await carol.press("Enter");
    await host.next("joined", (e) => e.name === "carol_the_great");
    await carol.waitForScreen((s) => lastLine(s) === "carol_the_great>", { what: "her prompt" });
  },
});

Deno.test({
  name: "names with quotes or | are typed and Tab-completed in /msg, /whois and /send",
  ignore: noTmux,
  async fn() {
    await using e2e = new E2e();
    const { port } = await e2e.host({ name: "hana" });
    const quinn = await e2e.join(port, "'quinn");
    const pipe = await e2e.join(port, "pi|pe");
    await using alice = await Terminal.open({
      label: "alice",
      args: ["127.0.0.1", String(port), "--name", "alice"],
      env: { RT_PASSWORD: "pw" },
      height: 40,
    });
    await alice.waitForScreen((s) => lastLine(s) === "alice>", { what: "alice's prompt" });

    await alice.type("/msg 'q");
    await alice.press("Tab");
    await alice.waitForScreen((s) => lastLine(s) === "alice> /msg 'quinn", {
      what: "'quinn completed",
    });
    await alice.type("hello there");
    await alice.press("Enter");
    const direct = await quinn.next("message", (e) => e.from === "alice" && e.direct);
    assertEquals(direct.text, "hello there");

    await alice.type("/whois pi");
    await alice.press("Tab");
    await alice.waitForScreen((s) => lastLine(s) === "alice> /whois pi|pe", {
      what: "pi|pe completed",
    });
    await alice.press("Enter");
    await alice.waitForScreen((s) => /pi\|pe\b.*\d{5} \d{5}/.test(s.replaceAll("\n", " ")), {
      join: true,
      what: "pi|pe's fingerprint",
    });

    const file = await Deno.makeTempFile({ prefix: "rt-names-", suffix: ".txt" });
    try {
      await Deno.writeTextFile(file, "for quinn");
      await alice.type("/send 'qu");
      await alice.press("Tab");
      await alice.waitForScreen((s) => lastLine(s) === "alice> /send 'quinn", {
        what: "'quinn completed after /send",
      });
      await alice.type(file);
      await alice.press("Enter");
      const offered = await quinn.next("file-offer", (e) => e.from === "alice");
      assertEquals(offered.name, file.split("/").at(-1));
    } finally {
      await Deno.remove(file);
    }
    assertEquals(pipe.all("message").filter((e) => e.from === "alice"), [], "not for pi|pe");
    assertOk(
      !(await alice.screen({ history: true, join: true })).includes("Nobody called"),
      await alice.describe(),
    );
  },
});

Deno.test("the host refuses a name with spaces from a joiner that does not check names", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  // rt's client code sending the join directly, as an older rt would.
  await assertRejects(
    () => joinMember(e2e, port, "carol the great", "pw"),
    (error) =>
      String(error).includes("name-refused") && String(error).includes("cannot contain spaces"),
  );
  // A name of one word is welcomed, and nobody was seated under the refused one.
  const member = await joinMember(e2e, port, "carol", "pw");
  await host.next("joined", (e) => e.name === "carol");
  assertEquals(host.all("joined").map((e) => e.name), ["carol"]);
  await member.close();
});

Deno.test("--json: a refused name's prompt offers a free one", async () => {
  await using e2e = new E2e();
  const { port } = await e2e.host({ name: "alice" });
  const joiner = e2e.joiner(port, { label: "joiner", name: "alice" });
  const refused = await joiner.next("name-refused");
  assertOk(refused.reason.includes("taken"), refused.reason);
  const prompt = await joiner.next("prompt", (e) => e.for === "name");
  assertEquals(prompt.suggested, "alice2");
  await joiner.type("");
  await joiner.next("welcome", (e) => e.name === "alice2");

  // --name with spaces: refused before it reaches the host, the rules said, a name offered.
  const carol = e2e.joiner(port, { label: "carol", name: "carol the great" });
  const spaces = await carol.next("name-refused");
  assertOk(spaces.reason.includes("spaces") && spaces.reason.includes(NAME_RULES), spaces.reason);
  assertEquals((await carol.next("prompt", (e) => e.for === "name")).suggested, "carol_the_great");
  await carol.type("");
  await carol.next("welcome", (e) => e.name === "carol_the_great");
});
