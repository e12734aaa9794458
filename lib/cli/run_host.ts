/**
 * `rt`: hosts a room, with what the plan asks for read from this computer (password, TLS
 * files, identity, blocklist, IP database) and Tor and the router wired in.
 *
 * @module
 */
import { hostRoom, onExit } from "../app/mod.ts";
import type { Stop } from "../app/mod.ts";
import { RtError } from "../errors.ts";
import { addressDescriber } from "../host/mod.ts";
import { openIpDatabase } from "../ipdb/mod.ts";
import { nullPortMapper, RouterPortMapper } from "../nat/mod.ts";
import { Blocklist } from "../store/mod.ts";
import { readCookieFile, type TorControlOptions } from "../tor/mod.ts";
import type { ChatUi } from "../tui/mod.ts";
import { proxyFromEnvironment } from "./environment.ts";
import { ipdbFolder } from "./folders.ts";
import { readNamedFile } from "./named_file.ts";
import { passwordFromOutside } from "./password.ts";
import { grantAdvice, mayRead } from "./permissions.ts";
import type { HostPlan } from "./plan.ts";
import { roomOptions, saveFailedNotice } from "./room_options.ts";

/** Hosts the room until it closes; returns the exit status. */
export async function runHost(ui: ChatUi, plan: HostPlan, stop: Stop): Promise<number> {
  const password = await passwordFromOutside(plan.passwordFile);
  // A proxy is for joining: one in RT_PROXY is refused as --proxy is (once the TLS files
  // have been read).
  const proxy = proxyFromEnvironment();
  const tls = plan.tls
    ? {
      cert: await readNamedFile(plan.tls.certFile, "certificate"),
      key: await readNamedFile(plan.tls.keyFile, "private key"),
    }
    : undefined;
  if (proxy) throw new RtError("usage", "--proxy is for joining a room");
  const { folder, options } = await roomOptions(plan, password, stop, ui);
  const blocklist = await Blocklist.open(folder, { onSaveFailed: saveFailedNotice(ui) });
  // Blocks are written before rt exits, however it ends (saves wait up to a second).
  onExit(() => blocklist.flush());
  const status = await hostRoom(ui, {
    ...options,
    port: plan.port,
    bind: plan.bind,
    blocklist,
    limits: plan.limits,
    keepSeatsMs: plan.keepSeatsMs,
    ...(tls ? { tls } : {}),
    ...(plan.tor ? { tor: torControl(plan.tor) } : {}),
    portMapper: plan.upnp ? new RouterPortMapper() : nullPortMapper,
    announce: plan.announce,
    roomName: plan.roomName,
    describe: addressDescriber({
      reverse: plan.reverseDns,
      ipdb: await openIpDatabase(ipdbFolder(folder)),
    }),
  });
  await options.peers.flush();
  return status;
}

/** How rt may log in to Tor's control port at `at`: RT_TOR_PASSWORD, or Tor's cookie file. */
function torControl(at: { host: string; port: number }): TorControlOptions {
  const password = Deno.env.get("RT_TOR_PASSWORD");
  return {
    ...at,
    ...(password ? { password } : {}),
    readCookie: async (path) => {
      if (!await mayRead(path)) {
        throw new RtError(
          "connect-failed",
          `rt may not read Tor's cookie file "${path}": ${grantAdvice("--allow-read", path)}`,
        );
      }
      return await readCookieFile(path);
    },
  };
}
