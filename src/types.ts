/**
 * Data types shared by every layer. This module contains types only, so any
 * module may import it without pulling in code.
 *
 * @module
 */

/** A hash algorithm certpin computes and compares. */
export type HashAlgorithm = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/**
 * The input a pin hashes: the whole DER certificate (`certificate`, the
 * fingerprint) or its SubjectPublicKeyInfo (`public-key`, RFC 7469).
 */
export type PinKind = "certificate" | "public-key";

/** The fingerprints of one certificate, each in its canonical text form. */
export interface CertificateFingerprints {
  /** SHA-256 of the DER certificate, uppercase colon hex. */
  sha256: string;
  /** SHA-1 of the DER certificate, uppercase colon hex. */
  sha1: string;
  /** SHA-256 of the SubjectPublicKeyInfo, as `sha256/BASE64`. */
  publicKeyPin: string;
}

/** A readable description of one certificate, for output and errors. */
export interface CertificateSummary {
  /** Subject distinguished name, one `KEY=value` per line joined by ", ". */
  subject: string;
  /** Issuer distinguished name, in the same form as `subject`. */
  issuer: string;
  /** Serial number, uppercase hex. */
  serialNumber: string;
  /** Start of the validity period. */
  validFrom: Date;
  /** End of the validity period. */
  validTo: Date;
  /** Whole days from the time of the summary to `validTo`; negative once expired. */
  daysLeft: number;
  /** Subject alternative names as `DNS:name` or `IP:address`; empty when there are none. */
  subjectAltNames: string[];
  /** True when the issuer is the subject and the signature verifies with the certificate's own key. */
  selfSigned: boolean;
  /** True when basic constraints mark the certificate as a CA. */
  ca: boolean;
  /** Key type and size, such as `RSA 2048` or `EC P-256`. */
  publicKey: string;
  /** The certificate's fingerprints and public-key pin. */
  fingerprints: CertificateFingerprints;
}
