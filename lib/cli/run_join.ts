/**
 * `rt ADDRESS PORT`: joins a room, with what the plan asks for read from this computer
 * (password, proxy, certificate authority, identity).
 *
 * @module
 */
import { joinRoom } from "../app/mod.ts";
import type { Stop } from "../app/mod.ts";
import type { ChatUi } from "../tui/mod.ts";
import { proxyFromEnvironment } from "./environment.ts";
import { readNamedFile } from "./named_file.ts";
import { passwordFromOutside } from "./password.ts";
import type { JoinPlan } from "./plan.ts";
import { roomOptions } from "./room_options.ts";

/** Tor's SOCKS port, the only way to an onion address. */
const TOR_SOCKS = { host: "127.0.0.1", port: 9050 };

/** Joins the room and chats until leaving; returns the exit status. */
export async function runJoin(ui: ChatUi, plan: JoinPlan, stop: Stop): Promise<number> {
  const password = await passwordFromOutside(plan.passwordFile);
  const proxy = plan.proxy ?? proxyFromEnvironment() ??
    (/\.onion$/i.test(plan.target.host) ? TOR_SOCKS : undefined);
  const tls = plan.tls === undefined ? undefined : plan.tls.caFile === undefined ? {} : {
    caCerts: [await readNamedFile(plan.tls.caFile, "certificate authority")],
  };
  const { options } = await roomOptions(plan, password, stop, ui);
  const status = await joinRoom(ui, plan.target, {
    ...options,
    ...(proxy ? { proxy } : {}),
    ...(tls ? { tls } : {}),
  });
  await options.peers.flush();
  return status;
}
