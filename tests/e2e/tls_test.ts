/**
 * TLS when the host has a certificate: a throwaway certificate authority and certificate made
 * with openssl; the password exchange and identities still run inside.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { available } from "./programs.ts";

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

/** A CA, and a certificate it signed for `name` (as DNS name), in `dir`. */
async function makeCertificates(dir: string, name: string, prefix: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${prefix}ca.key`,
    "-out",
    `${prefix}ca.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${prefix} test CA`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  );
  await openssl(
    dir,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${prefix}host.key`,
    "-out",
    `${prefix}host.csr`,
    "-subj",
    `/CN=${name}`,
  );
  await Deno.writeTextFile(
    `${dir}/${prefix}ext.cnf`,
    `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${prefix}host.csr`,
    "-CA",
    `${prefix}ca.pem`,
    "-CAkey",
    `${prefix}ca.key`,
    "-CAcreateserial",
    "-out",
    `${prefix}host.pem`,
    "-days",
    "2",
    "-extfile",
    `${prefix}ext.cnf`,
  );
}

Deno.test({
  name:
    "TLS: a join succeeds with --ca, and fails clearly for a wrong name or an untrusted certificate",
  ignore: !available("openssl"),
  fn: async () => {
    await using e2e = new E2e();
    // Files live in the rt folders the processes may read.
    const hostHome = e2e.home(), joinHome = e2e.home();
    await makeCertificates(hostHome, "localhost", "");
    await Deno.copyFile(`${hostHome}/ca.pem`, `${joinHome}/ca.pem`);
    const { process: host, port } = await e2e.host({
      name: "hana",
      home: hostHome,
      args: ["--tls-cert", `${hostHome}/host.pem`, "--tls-key", `${hostHome}/host.key`],
    });
    const joiner = (label: string, address: string, extra: string[]) =>
      e2e.spawn(label, [address, String(port), "--name", label, "--tls", ...extra], {
        password: "pw",
        home: joinHome,
      });

    const ivan = joiner("ivan", "localhost", ["--ca", `${joinHome}/ca.pem`]);
    await ivan.next("welcome");
    await ivan.type("over TLS");
    await host.next("message", (e) => e.text === "over TLS");
    await ivan.type("/quit");
    assertEquals((await ivan.exit()).code, 0);

    // The certificate is for "localhost": dialling 127.0.0.1 must not pass.
    const wrongName = joiner("wanda", "127.0.0.1", ["--ca", `${joinHome}/ca.pem`]);
    const nameError = await wrongName.next("error");
    assertEquals(nameError.code, "connect-failed");
    assertOk(nameError.message.includes("does not verify"), nameError.message);
    assertEquals((await wrongName.exit()).code, 1);

    // Without the test CA, the system's roots do not know this certificate.
    const untrusted = joiner("ursula", "localhost", []);
    const trustError = await untrusted.next("error");
    assertOk(trustError.message.includes("does not verify"), trustError.message);
    assertEquals((await untrusted.exit()).code, 1);

    // And a joiner without TLS gets nowhere either: it never hears the room's greeting.
    const plain = e2e.spawn("pat", [
      "localhost",
      String(port),
      "--name",
      "pat",
      "--handshake-timeout",
      "2",
    ], {
      password: "pw",
      home: joinHome,
    });
    await plain.next("error");
    assertEquals((await plain.exit()).code, 1);

    assertOk(!host.events.some((e) => e.type === "joined" && e.name !== "ivan"), host.describe());
    await host.closeStdin();
    assertEquals((await host.exit()).code, 0);
  },
});
