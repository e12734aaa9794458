/**
 * The error type callers handle: a stable `code` to branch on and a message for people.
 *
 * @module
 */

/** Stable codes of the errors rt reports. */
export type RtErrorCode =
  | "usage"
  | "frame-too-large"
  | "frame-truncated"
  | "frame-malformed"
  | "message-invalid"
  | "decrypt-failed"
  | "handshake-invalid-share"
  | "handshake-protocol"
  | "handshake-timeout"
  | "wrong-password"
  | "denied"
  | "version-mismatch"
  | "connection-closed"
  | "connect-failed"
  | "timeout"
  | "name-refused"
  | "password-file"
  | "identity"
  | "identity-proof"
  | "store"
  | "file-not-found"
  | "file-unreadable"
  | "too-many-files"
  | "nothing-to-send"
  | "internal";

/** An error with a stable `code` for callers and a message for people. */
export class RtError extends Error {
  /** What failed, stable across versions. */
  readonly code: RtErrorCode;

  constructor(code: RtErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RtError";
    this.code = code;
  }
}
