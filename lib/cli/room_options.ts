/**
 * What hosting, joining and the room picked in `rt find` all need from this computer: the
 * identity key, the people rt has met, and where files go.
 *
 * @module
 */
import { type FileOptions, onExit } from "../app/mod.ts";
import type { Stop } from "../app/mod.ts";
import type { Identity } from "../identity/mod.ts";
import { loadOrCreateIdentity, PeerBook, type SaveFailed } from "../store/mod.ts";
import type { ChatUi } from "../tui/mod.ts";
import { homeFolder, loginName } from "./environment.ts";
import { downloadsFolder, rtFolder } from "./folders.ts";
import type { ChatFlags } from "./plan.ts";

/**
 * The identity key (made on first use) and the people rt has met, from rt's folder `dir`; a
 * later save of them that fails is told to `onSaveFailed`. What rt has met is written before rt
 * exits, however it ends (saves wait up to a second for company).
 */
export async function identityAndPeers(dir: string, onSaveFailed?: SaveFailed) {
  const { identity, created } = await loadOrCreateIdentity(dir);
  const peers = await PeerBook.open(dir, { onSaveFailed });
  onExit(() => peers.flush());
  return { identity, created, peers };
}

/**
 * Says in the room that a file rt keeps could not be saved (a full disk, a folder made
 * read-only): the chat goes on, and the next change tries again.
 */
export function saveFailedNotice(ui: ChatUi): SaveFailed {
  return (error) =>
    ui.show({
      type: "notice",
      code: "save-failed",
      text: `${error.message}. The chat goes on; rt tries again at the next change.`,
    });
}

/** Where files go, and whose are accepted without asking. */
export async function fileOptions(rtDir: string, flags: ChatFlags): Promise<FileOptions> {
  return {
    downloads: await downloadsFolder(rtDir, flags.downloads),
    autoAcceptFrom: flags.autoAcceptFrom,
    home: homeFolder(),
  };
}

/** The options hosting and joining share, once the password is known. */
export function sharedOptions(
  flags: ChatFlags,
  opened: { identity: Identity; peers: PeerBook },
  files: FileOptions,
  password: string | undefined,
  stop: Stop,
) {
  return {
    files,
    identity: opened.identity,
    peers: opened.peers,
    password,
    name: flags.name,
    loginName: loginName(),
    handshakeTimeoutMs: flags.handshakeTimeoutMs,
    reconnect: flags.reconnect,
    stop,
  };
}

/**
 * rt's folder, and in it what hosting or joining needs (with `password` and `stop`); a save
 * that fails is said on `ui`.
 */
export async function roomOptions(
  flags: ChatFlags,
  password: string | undefined,
  stop: Stop,
  ui: ChatUi,
) {
  const folder = await rtFolder();
  const opened = await identityAndPeers(folder, saveFailedNotice(ui));
  const files = await fileOptions(folder, flags);
  return { folder, options: sharedOptions(flags, opened, files, password, stop) };
}
