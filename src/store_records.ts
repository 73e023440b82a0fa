/**
 * The records of the pin store: the pins stored for each target, with where
 * each pin came from, and the outcome of storing a pin.
 *
 * @module
 */

import type { Fingerprint } from "./fingerprint.ts";

/** The certificate a pin was taken from, as it was at that time. */
export interface PinnedCertificate {
  /** Subject distinguished name. */
  subject: string;
  /** Start of the validity period. */
  validFrom: Date;
  /** End of the validity period. */
  validTo: Date;
  /** SHA-256 fingerprint of the certificate, uppercase colon hex. */
  sha256: string;
  /** SHA-1 fingerprint of the certificate, uppercase colon hex. */
  sha1: string;
}

/** One pin of a stored target, with where it came from. */
export interface PinRecord {
  /** The pin. */
  pin: Fingerprint;
  /** When the pin was stored. */
  added: Date;
  /** The command that stored it, such as `certpin pin --expect`. */
  addedBy: string;
  /** The certificate the pin was taken from; absent for imported pins. */
  certificate?: PinnedCertificate;
}

/** The pins stored for one target. */
export interface PinStoreEntry {
  /** Host name (lowercase) or IP address, without brackets. */
  host: string;
  /** TCP port. */
  port: number;
  /** One or more pins; a certificate matching any of them is accepted. */
  pins: PinRecord[];
}

/** Action taken when a target already has a different pin. */
export type PinConflictAction = "reject" | "replace" | "append";

/** The outcome of `PinStore.addPin()`. */
export interface AddPinResult {
  /**
   * `added` for a new target, `already-pinned` when the same pin was stored,
   * `conflict` when a different pin was stored and the store was left as it
   * was, `replaced` and `appended` after the matching conflict action.
   */
  status: "added" | "already-pinned" | "conflict" | "replaced" | "appended";
  /** The target's entry before the call, when it had one. */
  previous: PinStoreEntry | undefined;
}
