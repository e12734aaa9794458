/** A fresh temporary folder for a test: under /tmp (what the tests may write), except on Windows. */
export async function tempDir(prefix: string): Promise<string> {
  const options = Deno.build.os === "windows" ? { prefix } : { dir: "/tmp", prefix };
  return await Deno.realPath(await Deno.makeTempDir(options));
}
