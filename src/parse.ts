/**
 * Reading fingerprints and pins in every form users paste them.
 *
 * @module
 */

import { Fingerprint } from "./fingerprint.ts";

/**
 * Parses one fingerprint or public-key pin. STUB: replaced by the core work.
 *
 * @param text The pasted text.
 * @returns The normalized fingerprint.
 * @throws {InvalidFingerprintError} When the text is not a fingerprint.
 */
export function parseFingerprint(text: string): Fingerprint {
  throw new Error(`not implemented: ${text}`);
}

/**
 * Parses many fingerprints from one input. STUB.
 *
 * @param text The pasted text.
 * @returns The fingerprints, in input order.
 */
export function parseFingerprints(text: string): Fingerprint[] {
  throw new Error(`not implemented: ${text}`);
}
