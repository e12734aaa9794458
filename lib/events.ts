/**
 * What the program tells its user: one event type for the terminal and for `--json` (where
 * each event is printed as one JSON object per line: a public interface, see README).
 *
 * @module
 */

/** A local address to give to people, with the interface it belongs to. */
export interface AddressHint {
  address: string;
  interface: string;
  /** The exact command a joiner types. */
  command: string;
  /** Why this one might not be the right one (VPN, container bridge...), if known. */
  note?: string;
}

/** What rt knows of a member's key. */
export type KeyStatus =
  /** Your own key. */
  | "you"
  /** Seen before under this name, and checked by you (`/trust`). */
  | "verified"
  /** Seen before under this name. */
  | "known"
  /** Never seen. */
  | "new"
  /** This name was seen before with a different key: maybe an impostor. */
  | "key-changed"
  /** This key was seen before under another name. */
  | "name-changed"
  /**
   * Your own key, on another seat: you in another terminal (or someone with a copy of your
   * key file).
   */
  | "your-key";

/** What rt knows of the key a host proved, before the host's name is known (see `host-key`). */
export type HostKeyStatus =
  /** Checked by you (`/trust`), under some name. */
  | "verified"
  /** Seen before, under some name. */
  | "known"
  /** Never seen. */
  | "new"
  /** The room was announced as hosted by a name you know, which had another key. */
  | "key-changed"
  /** Your own key: you host in another terminal (or someone has a copy of your key file). */
  | "your-key";

/** A member as shown to the user. */
export interface MemberView {
  name: string;
  host: boolean;
  /** ISO 8601 time the member joined. */
  since: string;
  /** The member's key fingerprint (six groups of five digits). */
  fingerprint: string;
  status: KeyStatus;
}

/** What came of asking the router to open its IPv6 firewall for the room. */
export interface RouterIpv6 {
  /**
   * `opened`: people with IPv6 can reach `address`; `no-ipv6`: this computer has no IPv6
   * route or global address; `unavailable`: no router answered; `refused`: it said no;
   * `off`: not asked (`--no-upnp`, or the room does not listen on IPv6).
   */
  status: "opened" | "no-ipv6" | "unavailable" | "refused" | "off";
  address?: string;
  port?: number;
  /** `UPnP IGD v2` or `PCP`. */
  method?: string;
  command?: string;
  detail?: string;
}

/** One way in that the router opened. */
export interface RouterPath {
  /** A port mapping on the router's IPv4 address, or a pinhole in its IPv6 firewall. */
  kind: "ipv4-mapping" | "ipv6-pinhole";
  address: string;
  port: number;
  method: string;
  command: string;
  /** Whether people elsewhere can use it (not behind another NAT or a shared address). */
  reachable: boolean;
}

/** Every event, discriminated by `type`. */
export type ChatEvent =
  | {
    type: "listening";
    port: number;
    bound: string[];
    addresses: AddressHint[];
    /**
     * Whether rt is asking the router to open the port (a `router` event follows). `off` with
     * `--no-upnp`, and for a room bound to this computer's own address only (127.0.0.1, ::1):
     * nobody else can reach it, so there is no `router` event at all.
     */
    router: "asking" | "off";
  }
  | {
    type: "onion";
    /** The room's onion address, as Tor returned it. */
    address: string;
    port: number;
    /** The exact command for people joining through Tor. */
    command: string;
  }
  | {
    type: "router";
    /**
     * Over IPv4: `mapped`: the router opened the port; `double-nat`: it did, but its own
     * address is private; `cgnat`: the provider shares the router's address among its
     * customers (carrier-grade NAT), so nobody outside can reach this computer over IPv4;
     * `unavailable`: no router answered; `refused`: the router said no; `off`: `--no-upnp`.
     */
    status: "mapped" | "double-nat" | "cgnat" | "unavailable" | "refused" | "off";
    /** The port inside (this computer). */
    port: number;
    /** The router's outside IPv4 address and port, when mapped (the address also with `cgnat`, when known). */
    externalAddress?: string;
    externalPort?: number;
    /** `UPnP IGD v1`, `UPnP IGD v2`, `PCP` or `NAT-PMP`. */
    method?: string;
    /**
     * The exact command for people elsewhere: over IPv4 when the mapping lets them in,
     * otherwise over IPv6 when a pinhole is open (they need IPv6 too).
     */
    command?: string;
    /** What the router said over IPv4, or why not. */
    detail?: string;
    /** The local address to forward the port to by hand. */
    forwardTo?: string;
    /** The IPv6 firewall: a pinhole for this computer's global address. */
    ipv6: RouterIpv6;
    /** Every way in the router opened, each with its command. */
    paths: RouterPath[];
  }
  | { type: "room-password"; password: string }
  | { type: "connecting"; host: string; port: number }
  | { type: "connected"; host: string; port: number }
  /**
   * The key the host proved on the connection, and what rt knows of it: shown before rt asks
   * to join (and before the name is asked). `names`: the names the key was seen under.
   */
  | { type: "host-key"; fingerprint: string; status: HostKeyStatus; names: string[] }
  /**
   * rt waits for a line: a password, or a name. `suggested`: for a name, what an empty line
   * stands for (the login name, or after a refusal a free name such as `alice2`).
   */
  | { type: "prompt"; for: "password" | "name"; triesLeft?: number; suggested?: string }
  | { type: "wrong-password"; triesLeft: number }
  | { type: "name-refused"; reason: string }
  | {
    type: "welcome";
    name: string;
    host: boolean;
    /** Your own fingerprint. */
    fingerprint: string;
    members: MemberView[];
  }
  | { type: "joined"; name: string; time: string; fingerprint: string; status: KeyStatus }
  | { type: "left"; name: string; reason: "quit" | "lost" | "removed"; time: string }
  | {
    type: "message";
    from: string;
    text: string;
    time: string;
    /** Sent by you. */
    own: boolean;
    /** A `/me` action rather than a message. */
    action: boolean;
    /** A direct message, seen only by sender and recipient. */
    direct: boolean;
    /** For your own direct messages: the recipient. */
    to?: string;
  }
  | {
    type: "warning";
    /**
     * `key-changed`, `name-changed`, `forged-message`, `replayed-message`, `bad-direct-message`,
     * `host-key-mismatch` (the room joined from `rt find` proved another host key than the
     * announcement gave; shown before the joiner asks to join)
     */
    code: string;
    text: string;
    name?: string;
  }
  | {
    type: "whois";
    name: string;
    host: boolean;
    since: string;
    fingerprint: string;
    status: KeyStatus;
    /** Only the host sees members' addresses. */
    address?: string;
  }
  | { type: "safety-code"; name: string; code: string }
  | { type: "dm-target"; to: string | null }
  | {
    type: "blocked";
    entries: {
      address: string | null;
      name: string | null;
      /** Fingerprint of a banned key. */
      fingerprint: string | null;
      reason: string;
      since: string;
    }[];
  }
  | { type: "who"; members: MemberView[] }
  | {
    type: "notice";
    text: string;
    /**
     * E.g. for the host: `wrong-password`, `denied`, `blocked` (an address blocked, or this
     * computer's own backing off), `refused`, `guess-budget` (the room's budget of wrong
     * passwords ran out: someone may be guessing; `/lock`, `/password`), `blocks` (blocks in
     * force from earlier sessions, at start), `weak-password` (the typed room password is
     * weak), `password-mismatch` (the typed room password and its confirmation differ: it is
     * asked again), `suppressed` (notices about connections left out), `announced`,
     * `not-announced` (hosting with `--tor`), `hint`; for a sender, `links-skipped` (links in a
     * folder given to `/send` that lead out of it, which are not sent); `trusted` (`/trust`
     * done); `split` (a line over the limit of one message was sent as several).
     */
    code?: string;
    address?: string;
    /** What is known of the address: `reverse`, `country`, `asn`, `asName`. */
    info?: { reverse?: string; country?: string; asn?: number; asName?: string };
  }
  | { type: "help"; commands: { command: string; help: string }[] }
  | { type: "setting"; setting: "timestamps" | "bell"; on: boolean }
  | {
    type: "error";
    /**
     * E.g. `connect-failed`, `invalid-command`, `handshake-timeout` (the host, or whatever
     * listens on the port, did not answer: its greeting within 10 s, later messages within the
     * handshake timeout); a host's refusal to let you join: `locked`,
     * `blocked`, `busy` (too many joining at once, or too many wrong passwords in the room
     * lately), `full`, `wrong-password` (three wrong tries), or `denied` (no reason given).
     */
    code: string;
    message: string;
  }
  /**
   * The room ended for you: it closed, or the host removed or banned you (`reason`, the host's
   * words: "the host removed you from the room"); rt exits.
   */
  | { type: "closed"; reason: string }
  /**
   * The connection to the host dropped (not the room closing, nor a removal): rt comes back by
   * itself, trying again and again (soon at first, then about every 30 s) until it is back or
   * you leave. What you type meanwhile is sent once back. `text`: the line to show.
   */
  | { type: "reconnecting"; text: string }
  /**
   * Back in the room after `awayMs` (what was said meanwhile is not shown again: rt keeps no
   * history). `late`: lines typed while away, sent now (`dropped`: ones not sent, too old or too
   * many). `text`: the line to show.
   */
  | { type: "reconnected"; awayMs: number; late: number; dropped: number; text: string }
  /** `rt find`: the rooms heard on the local network, newest first (may be empty). */
  | { type: "rooms"; rooms: RoomFound[] }
  /** Someone offers you files: `/accept ID` or `/reject ID`. */
  | {
    type: "file-offer";
    id: number;
    from: string;
    /** What the offer is called: the file, the folder, or "N files". */
    name: string;
    files: FileView[];
    total: number;
    /** Bytes already here from an interrupted transfer of the same files: it resumes. */
    held: number;
    /** Accepted at once (`--auto-accept-from`, verified sender). */
    autoAccepted: boolean;
    /**
     * Why an offer from someone in `--auto-accept-from` was not accepted at once; or that it
     * carries on a transfer after the connection came back (`resumes`).
     */
    note?: string;
    /**
     * The transfer (its id here) this offer carries on from where it stopped, after a
     * connection to the host dropped and came back: it was accepted at once.
     */
    resumes?: number;
  }
  /**
   * Your files are being read and hashed for an offer: `done` of `total` bytes. Ends with
   * `done` equal to `total` (0 of 0 when it failed).
   */
  | { type: "file-preparing"; name: string; done: number; total: number }
  /**
   * Your offer went out. `resumes`: it carries on that transfer, stopped when a connection to
   * the host dropped (rt offered the files again by itself); `note` says so.
   */
  | {
    type: "file-offered";
    id: number;
    to: string;
    name: string;
    files: number;
    total: number;
    resumes?: number;
    note?: string;
  }
  /** A transfer moving: sent at most a few times a second. */
  | TransferRef & {
    type: "file-progress";
    done: number;
    total: number;
    bytesPerSecond: number;
  }
  /** One received file, verified and saved. */
  | {
    type: "file-saved";
    id: number;
    from: string;
    /** The name it was offered under. */
    name: string;
    /** Where it is now. */
    path: string;
    size: number;
    mediaType: string;
    hash: string;
  }
  /** A transfer finished: every file arrived and matched its hash. */
  | TransferRef & {
    type: "file-done";
    files: number;
    total: number;
    seconds: number;
    /** For received offers: the folder the files are in. */
    folder?: string;
  }
  /** A transfer ended before finishing. */
  | TransferRef & {
    type: "file-stopped";
    /**
     * `rejected`, `cancelled`, `interrupted` (someone left or the connection was lost),
     * `corrupt` (a hash did not match), `failed`.
     */
    reason: "rejected" | "cancelled" | "interrupted" | "corrupt" | "failed";
    /** Who stopped it: you, the other member, or nobody (it failed). */
    by: "you" | "peer" | null;
    text: string;
    /**
     * Offering the same files again carries on from where it stopped; after a connection to
     * the host dropped, rt does so by itself once back (`text` says so), either way.
     */
    resumable: boolean;
  }
  | { type: "transfers"; transfers: TransferView[] };

/** A file of an offer. */
export interface FileView {
  path: string;
  size: number;
  mediaType: string;
  /**
   * SHA-256, hex; absent from a streamed offer, whose hashes follow the content (each is in
   * its `file-saved`).
   */
  hash?: string;
}

/** Which transfer an event is about. */
export interface TransferRef {
  /** The transfer's number for `/accept`, `/cancel`... */
  id: number;
  direction: "send" | "receive";
  /** The other member. */
  peer: string;
  /** The offer's name: the file, the folder, or "N files". */
  name: string;
}

/** A transfer as `/transfers` lists it. */
export interface TransferView extends TransferRef {
  files: number;
  total: number;
  done: number;
  /** `offered` (waiting for an answer), `sending`, `receiving`, `verifying`, or how it ended. */
  state: string;
}

/** A room announced on the local network, as `rt find` heard it. */
export interface RoomFound {
  /** The room's name. */
  name: string;
  /** The host's name. */
  host: string;
  /** Where the announcement came from: the address to join. */
  address: string;
  /** The room's port. */
  port: number;
  /** The fingerprint of the host key the announcement gave (checked on joining). */
  fingerprint: string;
}

/** ISO 8601 form of a time in ms since the epoch. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
