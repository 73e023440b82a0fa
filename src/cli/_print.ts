/**
 * Printing a certificate description, the same way in every command: as
 * aligned text lines for people, and as a JSON object for scripts.
 *
 * @module
 */

import { formatFingerprint } from "../format.ts";
import type { CertificateSummary } from "../types.ts";

/** A certificate description as commands write it in `--json` output. */
export interface CertificateJson {
  /** Subject distinguished name. */
  subject: string;
  /** Issuer distinguished name. */
  issuer: string;
  /** Serial number, uppercase hex. */
  serialNumber: string;
  /** Start of validity, ISO 8601. */
  validFrom: string;
  /** End of validity, ISO 8601. */
  validTo: string;
  /** Whole days until `validTo`; negative once expired. */
  daysLeft: number;
  /** Subject alternative names as `DNS:name` or `IP:address`. */
  subjectAltNames: string[];
  /** Whether the certificate is signed by its own key. */
  selfSigned: boolean;
  /** Whether basic constraints mark it as a CA. */
  ca: boolean;
  /** Key type and size, such as `RSA 2048`. */
  publicKey: string;
  /** Fingerprints and pin, each in its canonical text form. */
  fingerprints: {
    /** SHA-256 of the DER certificate, colon hex. */
    sha256: string;
    /** SHA-1 of the DER certificate, colon hex. */
    sha1: string;
    /**
     * The first 128 bits of the SHA-1 as twelve RFC 1751 words, as Check
     * Point's console shows them.
     */
    sha1Words: string;
    /** SHA-256 of the SubjectPublicKeyInfo, as `sha256/BASE64`. */
    publicKeyPin: string;
  };
}

/** Label width, so the values of every line start in one column. */
const LABEL_WIDTH = 17;

/**
 * Formats a certificate description as indented `label: value` lines. They
 * give the names, validity with days left, key, whether it is self-signed,
 * the SHA-256 and SHA-1 fingerprints, and the public-key pin. The first 128
 * bits of the SHA-1 also appear as the twelve English words Check Point's
 * management console shows.
 */
export function formatCertificate(
  summary: CertificateSummary,
  indent = "  ",
): string {
  const names = summary.subjectAltNames.length === 0
    ? "(none)"
    : summary.subjectAltNames.join(", ");
  const validity = summary.daysLeft < 0
    ? `expired ${-summary.daysLeft} days ago`
    : `${summary.daysLeft} days left`;
  const lines: [string, string][] = [
    ["subject", summary.subject],
    [
      "issuer",
      `${summary.issuer}${summary.selfSigned ? " (self-signed)" : ""}`,
    ],
    ["alt names", names],
    [
      "valid",
      `${formatDay(summary.validFrom)} to ${
        formatDay(summary.validTo)
      } (${validity})`,
    ],
    ["key", summary.publicKey],
    ["CA", summary.ca ? "yes (basic constraints CA:TRUE)" : "no"],
    ["serial", summary.serialNumber],
    ["SHA-256", summary.fingerprints.sha256],
    ["SHA-1", summary.fingerprints.sha1],
    ["SHA-1 as words", sha1Words(summary)],
    ["", "(first 128 bits of the SHA-1, as Check Point's management console"],
    ["", "shows them, for reading aloud; pin the SHA-256 in scripts)"],
    ["public-key pin", summary.fingerprints.publicKeyPin],
  ];
  return lines.map(([label, value]) =>
    `${indent}${(label === "" ? "" : `${label}:`).padEnd(LABEL_WIDTH)}${value}`
  ).join("\n");
}

/** Returns the description as the JSON object `--json` output contains. */
export function certificateJson(summary: CertificateSummary): CertificateJson {
  return {
    subject: summary.subject,
    issuer: summary.issuer,
    serialNumber: summary.serialNumber,
    validFrom: summary.validFrom.toISOString(),
    validTo: summary.validTo.toISOString(),
    daysLeft: summary.daysLeft,
    subjectAltNames: summary.subjectAltNames,
    selfSigned: summary.selfSigned,
    ca: summary.ca,
    publicKey: summary.publicKey,
    fingerprints: {
      sha256: summary.fingerprints.sha256,
      sha1: summary.fingerprints.sha1,
      sha1Words: sha1Words(summary),
      publicKeyPin: summary.fingerprints.publicKeyPin,
    },
  };
}

/** Encodes the first 128 bits of the certificate's SHA-1 as twelve RFC 1751 words. */
export function sha1Words(summary: CertificateSummary): string {
  return formatFingerprint(`SHA-1:${summary.fingerprints.sha1}`, "words");
}

/** Formats a date as `YYYY-MM-DD` in UTC. */
function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
