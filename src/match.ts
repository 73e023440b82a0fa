/**
 * Deciding whether a certificate matches a set of pins. STUB.
 *
 * @module
 */

import type { Fingerprint } from "./fingerprint.ts";
import type { CertificateInput } from "./certificate.ts";

/** A pin as text in any form {@linkcode parseFingerprint} reads, or already parsed. */
export type PinInput = string | Fingerprint;

/** Where a certificate came from, for the error message. */
export interface VerifyContext {
  /** Host that was connected to. */
  host?: string;
  /** Port that was connected to. */
  port?: number;
}

/**
 * Returns the first pin the certificate matches, or `undefined`. STUB.
 *
 * @param cert The certificate.
 * @param pins One or more pins.
 * @returns The matching pin, or `undefined`.
 */
export function matchPins(
  cert: CertificateInput,
  pins: readonly PinInput[],
): Fingerprint | undefined {
  throw new Error(`not implemented ${String(cert)} ${pins.length}`);
}

/**
 * Checks a certificate against pins. STUB.
 *
 * @param cert The certificate.
 * @param pins One or more pins.
 * @param context Host and port for the error message.
 * @returns The matching pin.
 * @throws {PinMismatchError} When no pin matches.
 */
export function verifyCertificate(
  cert: CertificateInput,
  pins: readonly PinInput[],
  context?: VerifyContext,
): Fingerprint {
  throw new Error(`not implemented ${String(cert)} ${pins.length} ${context}`);
}
