/**
 * Expected failures end in one plain line on stderr and status 1: no stack trace, no Deno
 * jargon, and the next step to take.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e, type RtProcess } from "./harness.ts";

/** Waits for `process` to fail, and returns its one line of complaint. */
async function failure(process: RtProcess): Promise<string> {
  const exit = await process.exit();
  assertEquals(exit.code, 1, process.describe());
  const lines = process.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `one line, not a trace:\n${process.stderr}`);
  const [line] = lines;
  assertOk(line!.startsWith("rt: ") && !/internal error|\bat .*:\d+:\d+/.test(line!), line);
  return line!;
}

Deno.test("rt ipdb update without a reachable registry says so and what to do", async () => {
  await using e2e = new E2e();
  // A port nobody listens on: the connection is refused at once.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const refused = e2e.spawn("ipdb", ["ipdb", "update"], {
    json: false,
    env: { RT_IPDB_REGISTRY: `http://127.0.0.1:${port}` },
  });
  const line = await failure(refused);
  assertOk(line.includes(`http://127.0.0.1:${port}/`), line);
  assertOk(line.includes("refused") && line.includes("try again"), line);
});

Deno.test("rt ipdb update refuses a registry that answers nonsense, in plain words", async () => {
  await using e2e = new E2e();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) =>
      new URL(request.url).pathname.endsWith("/latest")
        ? new Response("<html>a captive portal</html>")
        : new Response("no", { status: 404 }),
  );
  try {
    const process = e2e.spawn("ipdb", ["ipdb", "update"], {
      json: false,
      env: { RT_IPDB_REGISTRY: `http://127.0.0.1:${server.addr.port}` },
    });
    const line = await failure(process);
    assertOk(line.includes("did not describe a package"), line);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a folder rt cannot make is named, with the way out", async () => {
  await using e2e = new E2e();
  const home = e2e.home();
  // A file where rt's folder would go.
  await Deno.writeTextFile(`${home}/rt`, "in the way");
  const id = e2e.spawn("id", ["id"], { json: false, home: `${home}/rt` });
  const line = await failure(id);
  assertOk(line.includes(`${home}/rt`) && line.includes("RT_HOME"), line);

  const host = e2e.spawn("host", ["--no-upnp", "--downloads", `${home}/rt/downloads`], {
    password: "pw",
    json: false,
  });
  const refused = await failure(host);
  assertOk(refused.includes("downloads folder") && refused.includes("--downloads"), refused);
});
