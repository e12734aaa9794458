/**
 * `rt find`: lists the rooms announced on the local network and joins the one picked. What
 * joining needs (the password, the identity) is read only once a room is picked.
 *
 * @module
 */
import { findRooms } from "../app/mod.ts";
import type { Stop } from "../app/mod.ts";
import type { PeerBook } from "../store/mod.ts";
import type { ChatUi } from "../tui/mod.ts";
import { rtFolder } from "./folders.ts";
import { passwordFromOutside } from "./password.ts";
import type { FindPlan } from "./plan.ts";
import { fileOptions, identityAndPeers, saveFailedNotice, sharedOptions } from "./room_options.ts";

/** Runs `rt find`; returns the exit status. */
export async function runFind(ui: ChatUi, plan: FindPlan, stop: Stop): Promise<number> {
  const books: PeerBook[] = [];
  let joining = false;
  // Until a room is chosen there is nothing to leave: a signal ends the listening at once.
  const stopped = new Promise<number>((resolve) =>
    stop.onStop(() => {
      if (!joining) resolve(stop.cancelledStatus());
    })
  );
  const finding = findRooms(ui, {
    waitMs: plan.waitSeconds * 1000,
    choose: !plan.json,
    joinOptions: async () => {
      const password = await passwordFromOutside(plan.passwordFile);
      const folder = await rtFolder();
      const opened = await identityAndPeers(folder, saveFailedNotice(ui));
      books.push(opened.peers);
      joining = true;
      return sharedOptions(plan, opened, await fileOptions(folder, plan), password, stop);
    },
  });
  const status = await Promise.race([finding, stopped]);
  for (const peers of books) await peers.flush();
  return status;
}
