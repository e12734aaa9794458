/**
 * Every sentence file transfers say, in one place: to the user, and the reasons sent to the
 * other member in control messages (which their rt shows as they are).
 *
 * @module
 */

/** What an offer of these paths is called: the file, the folder, or "N files". */
export function offerName(paths: string[]): string {
  if (paths.length === 1) return paths[0]!;
  const tops = new Set(paths.map((p) => p.split("/")[0]));
  return tops.size === 1 ? [...tops][0]! : `${paths.length} files`;
}

// ---- the user's commands ----------------------------------------------------------------

export const nobodyElse = "Nobody else is in the room";
export { nobodyCalled } from "../room/mod.ts";
export const noSuchTransfer = (id: number) => `No transfer ${id} is going on; see /transfers`;
export const noOfferWaiting = "No offer is waiting for an answer";
export const severalOffers = (verb: string) =>
  `Several offers are waiting: /${verb} ID (see /transfers)`;
export const noSuchOffer = (id: number) => `No offer ${id} is waiting; see /transfers`;

/** Why nothing was offered to a member whose key changed. */
export const keyChanged = (name: string) =>
  `Not offered to ${name}: their key is not the one you knew. Compare /verify ${name} with ` +
  `them by phone or in person, then /trust ${name} and send again.`;

// ---- how transfers end --------------------------------------------------------------------

export const youRejected = (name: string, peer: string) => `You turned down ${name} from ${peer}`;
export const youCancelled = (name: string) => `You cancelled ${name}`;
export const peerRejected = (name: string, peer: string) => `${peer} turned down ${name}`;
export const peerCancelled = (name: string, peer: string) => `${peer} cancelled ${name}`;
export const peerRtStopped = (name: string, peer: string, reason: string) =>
  `${peer}'s rt stopped ${name}: ${reason}`;
export const arrivedCorrupt = (name: string, peer: string, reason: string | undefined) =>
  `${name} arrived corrupt at ${peer}: ${reason ?? "no reason"}`;
export const peerLeft = (peer: string, name: string) => `${peer} left; ${name} stopped`;
export const receiveFailed = (name: string, peer: string, reason: string) =>
  `${name} from ${peer}: ${reason}`;
export const cannotSave = (name: string, why: string) => `Cannot save ${name}: ${why}`;
export const couldNotSend = (name: string, why: string) => `Could not send ${name}: ${why}`;
export const badAck = (name: string) => `${name}: ${badAckReason}`;
/** Added to the words of a transfer stopped with its parts kept. */
export const willResume = (text: string) =>
  `${text}; offered again, it will carry on where it stopped`;

// ---- a connection that dropped and came back -------------------------------------------------

/** This member's connection to the host dropped while `name` was moving to or from `peer`. */
export const droppedHere = (name: string, direction: "send" | "receive", peer: string) =>
  `The connection dropped: ${name} ${direction === "send" ? "to" : "from"} ${peer} stopped; ` +
  "it carries on from where it stopped once rt is back";
/** `peer`'s connection dropped while `name` was moving, and they are back. */
export const droppedThere = (peer: string, name: string) =>
  `${peer}'s connection dropped: ${name} stopped; it carries on from where it stopped now ` +
  "that they are back";
/** `peer` offered `name` again while it was moving (not as the same files from the same key). */
export const offeredAgain = (peer: string, name: string) =>
  `${peer} offered ${name} again; this transfer stopped`;
/** What the offer (or the offered) that carries on transfer `earlier` says. */
export const resumedNote = (earlier: number) =>
  `carries on transfer ${earlier} from where it stopped, after the connection came back`;
export const leftWhileAway = (peer: string, name: string) =>
  `${peer} left while rt was away: ${name} does not carry on by itself ` +
  "(offered again, it carries on where it stopped)";
export const notWhileAway = (verb: string) =>
  `The connection to the host dropped: /${verb} once rt is back (the offer waits)`;

// ---- what the other member sent ------------------------------------------------------------

export const notUnderstood = (peer: string) =>
  `${peer} sent a file transfer message rt does not understand; ignored.`;
export const tooManyOffers = (peer: string, waiting: number) =>
  `Turned down an offer from ${peer}: ${waiting} of their offers already wait for an answer ` +
  "(/transfers)";
export const notVerified = (peer: string) =>
  `not accepted automatically: ${peer}'s key is not verified (/verify ${peer}, then /trust ${peer})`;

// ---- reasons sent to the other member ---------------------------------------------------------

export const cancelledReason = "cancelled";
export const cannotSaveReason = "cannot save";
export const droppedReason = "the connection dropped";
export const badAckReason = "an acknowledgement did not verify";

// ---- what goes wrong with the content ---------------------------------------------------------

export const alreadyReceiving = "the same file from this sender is being received already";
export const outOfOrder = "a piece of the file arrived out of order";
export const altered = "a piece of the file was altered on the way";
export const moreThanOffered = "the sender sent more than it offered";
export const noDigest = "the sender did not send the file's hash after it";
export const doesNotWait = "the sender does not wait for the file to be written";
export const couldNotWrite = (why: string) => `could not save the file: ${why}`;
export const hashMismatch = (path: string) =>
  `${path} did not match its hash; the partial file was deleted`;
export const partShorter = "the partial file is shorter than it was";
export const notOffered = "the recipient asked for parts that were not offered";
export const changedSinceOffered = (path: string) => `${path} changed since it was offered`;
