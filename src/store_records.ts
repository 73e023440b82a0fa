/**
 * The records of the pin store: the pins stored for each target, with where
 * each pin came from, and the rule for storing one more pin.
 *
 * @module
 */

import { formatHostPort } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { normalizeTarget } from "./_store_file.ts";

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
  /**
   * SHA-1 fingerprints of the certificates the server sends after the one
   * pinned, in order. It is kept from a Go SDK `fingerprints.json` chain
   * value, whose leaf is the pin, so an export for the Go SDK writes the
   * whole value again.
   */
  chain?: Fingerprint[];
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

/**
 * The action `PinStore.addPin()` takes when the target already has pins:
 * `reject` stores nothing unless the pin is among them, `append` adds the
 * pin beside them, `replace` leaves the pin as the target's only pin.
 */
export type PinConflictAction = "reject" | "replace" | "append";

/** The outcome of `PinStore.addPin()`. */
export interface AddPinResult {
  /**
   * `added` for a new target; `already-pinned` when the pin was stored (for
   * `replace`: stored as the only pin), so nothing changed; `conflict` when
   * only different pins were stored and the store was left as it was;
   * `replaced` and `appended` after the matching conflict action.
   */
  status: "added" | "already-pinned" | "conflict" | "replaced" | "appended";
  /** The target's entry before the call, when it had one. */
  previous: PinStoreEntry | undefined;
}

/**
 * Stores a pin in the entries of a store, keyed `host:port`, as
 * `PinStore.addPin()` does while holding the store's lock.
 */
export function addPinToEntries(
  entries: Map<string, PinStoreEntry>,
  host: string,
  port: number,
  record: PinRecord,
  onConflict: PinConflictAction,
): AddPinResult {
  const target = normalizeTarget(host, port);
  const key = formatHostPort(target.host, target.port);
  const previous = entries.get(key);
  if (previous === undefined) {
    entries.set(key, { ...target, pins: [record] });
    return { status: "added", previous };
  }
  const copy = { ...previous, pins: [...previous.pins] };
  const isStored = previous.pins.some((stored) =>
    stored.pin.equals(record.pin)
  );

  // Replacing must leave exactly this pin, also when it is stored beside
  // others: after a key compromise the old pins have to go.
  if (onConflict === "replace") {
    if (isStored && previous.pins.length === 1) {
      return { status: "already-pinned", previous: copy };
    }
    previous.pins = [record];
    return { status: "replaced", previous: copy };
  }

  if (isStored) return { status: "already-pinned", previous: copy };
  if (onConflict === "reject") return { status: "conflict", previous: copy };
  previous.pins = [...previous.pins, record];
  return { status: "appended", previous: copy };
}
