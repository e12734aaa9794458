/**
 * The first half of `/send`: who the offer is for, and the files found and hashed (showing how
 * far hashing got, a few times a second, and the links left out), or, when every recipient's rt
 * can take a streamed offer, found and tagged: their hashes then follow their content.
 *
 * @module
 */
import { CAN_STREAMED_OFFERS } from "../codec/mod.ts";
import type { ChatEvent } from "../events.ts";
import { describeError } from "../util/mod.ts";
import { collectFiles, type OfferedFile, skippedLinksNotice } from "./collect.ts";
import { MAX_OFFER_FILES } from "./wire.ts";
import { nobodyCalled, nobodyElse, offerName } from "./words.ts";

/** What preparing an offer needs. */
export interface OfferContext {
  peers: {
    others(): string[];
    nameOf(name: string): string | undefined;
    /** Whether a member's rt said it can do `what` (a bit of `Capabilities`). */
    can?(name: string, what: number): boolean;
  };
  show(event: ChatEvent): void;
  /**
   * Finds the files named, and hashes them or (`streamed`) tags them (default:
   * `collectFiles`).
   */
  collect?: (paths: string[], streamed: boolean) => Promise<OfferedFile[]>;
  /** How often hashing progress is shown, in ms. Default: 250. */
  progressMs?: number;
}

/** An offer ready to go: to whom, which files, and what it is called. */
export interface PreparedOffer {
  recipients: string[];
  files: OfferedFile[];
  name: string;
}

/** Prepares an offer of `paths` to `to` (a name, or "all"); `null`, having said why, if none. */
export async function prepareOffer(
  to: string,
  paths: string[],
  context: OfferContext,
): Promise<PreparedOffer | null> {
  const { peers, show } = context;
  const recipients = to === "all"
    ? peers.others()
    : [peers.nameOf(to)].filter((n): n is string => n !== undefined);
  if (recipients.length === 0) {
    const message = to === "all" ? nobodyElse : nobodyCalled(to);
    show({ type: "error", code: "no-such-member", message });
    return null;
  }
  // Hashing takes a while for big files: show how far it got, a few times a second.
  const preparing = offerName(paths.map((p) => p.replace(/[\\/]+$/, "").split(/[\\/]/).pop()!));
  let shown = 0;
  const onHashed = (done: number, total: number) => {
    if (performance.now() - shown < (context.progressMs ?? 250) && done < total) return;
    shown = performance.now();
    show({ type: "file-preparing", name: preparing, done, total });
  };
  const skippedLinks: string[] = [];
  const skipped = () => {
    if (skippedLinks.length === 0) return;
    show({ type: "notice", code: "links-skipped", text: skippedLinksNotice(skippedLinks) });
  };
  // One offer for all: streamed only when every recipient can take it.
  const streamed = recipients.every((name) => peers.can?.(name, CAN_STREAMED_OFFERS) ?? false);
  let files: OfferedFile[];
  try {
    const collect = context.collect ??
      ((p: string[], streamed: boolean) =>
        collectFiles(p, {
          maxFiles: MAX_OFFER_FILES,
          streamed,
          onHashed,
          onSkippedLink: (link) => skippedLinks.push(link),
        }));
    files = await collect(paths, streamed);
  } catch (error) {
    skipped();
    show({ type: "file-preparing", name: preparing, done: 0, total: 0 });
    show({ type: "error", code: "send-failed", message: describeError(error) });
    return null;
  }
  skipped();
  return { recipients, files, name: offerName(files.map((f) => f.path)) };
}
