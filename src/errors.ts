/**
 * Error classes. Every error certpin throws for bad input or a failed check
 * is a {@linkcode CertpinError} with a stable `code`, so callers branch on the
 * code and the CLI maps each class to an exit code in one place.
 *
 * @module
 */

import type { CertificateSummary } from "./types.ts";
import { describeMismatch } from "./_mismatch_message.ts";

export { formatHostPort } from "./_host_port.ts";

/** Stable identifier of an error condition, one per subclass or kind. */
export type CertpinErrorCode =
  | "INVALID_FINGERPRINT"
  | "INVALID_CERTIFICATE"
  | "INVALID_TARGET"
  | "PIN_MISMATCH"
  | "CONNECTION_FAILED"
  | "PIN_STORE"
  | "UNPINNED_HOST"
  | "SDK_PIN_FILE";

/**
 * Base class of every error certpin throws for bad input or a failed check.
 *
 * @example Branch on the code
 * ```ts
 * import { CertpinError, parseFingerprint } from "@certpin/certpin";
 * try {
 *   parseFingerprint("not a fingerprint");
 * } catch (error) {
 *   if (error instanceof CertpinError) console.log(error.code);
 * }
 * ```
 */
export class CertpinError extends Error {
  /** Stable identifier of the condition; it does not change between versions. */
  readonly code: CertpinErrorCode;

  /**
   * Creates an error with a code and a message.
   *
   * @param code Stable identifier of the condition.
   * @param message What failed, the value involved and what to do next.
   * @param options Standard error options, such as the `cause`.
   */
  constructor(code: CertpinErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CertpinError";
    this.code = code;
  }
}

/** Details attached to an {@linkcode InvalidFingerprintError}. */
export interface InvalidFingerprintDetails {
  /** The text that was given, as received. */
  input: string;
  /** Zero-based position of the offending character in `input`, when one is to blame. */
  position?: number;
}

/**
 * Thrown when text given as a fingerprint or pin cannot be read: a character
 * that is not hexadecimal, a wrong length, an algorithm that disagrees with
 * the length, or a hash too weak to pin.
 *
 * @example Show where the text went wrong
 * ```ts
 * import { InvalidFingerprintError, parseFingerprint } from "@certpin/certpin";
 * try {
 *   parseFingerprint("AB:CD:G1");
 * } catch (error) {
 *   if (error instanceof InvalidFingerprintError) {
 *     console.log(error.input, error.position); // AB:CD:G1 6
 *   }
 * }
 * ```
 */
export class InvalidFingerprintError extends CertpinError {
  /** The text that was given, as received. */
  readonly input: string;
  /** Zero-based position of the offending character, when one is to blame. */
  readonly position: number | undefined;

  /**
   * Creates the error.
   *
   * @param message What is wrong with the input and what is expected.
   * @param details The input and, when known, the position of the bad character.
   */
  constructor(message: string, details: InvalidFingerprintDetails) {
    super("INVALID_FINGERPRINT", message);
    this.name = "InvalidFingerprintError";
    this.input = details.input;
    this.position = details.position;
  }
}

/**
 * Thrown when bytes or text given as a certificate are not a readable X.509
 * certificate.
 *
 * @example
 * ```ts
 * import { certificateFingerprint, InvalidCertificateError } from "@certpin/certpin";
 * try {
 *   certificateFingerprint("not PEM text");
 * } catch (error) {
 *   if (error instanceof InvalidCertificateError) console.log(error.code); // INVALID_CERTIFICATE
 * }
 * ```
 */
export class InvalidCertificateError extends CertpinError {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the certificate.
   * @param options Standard error options, such as the parser's error as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("INVALID_CERTIFICATE", message, options);
    this.name = "InvalidCertificateError";
  }
}

/**
 * Thrown when a target (`host`, `host:port`, `[v6]:port` or URL) cannot be
 * read.
 *
 * @example
 * ```ts
 * import { InvalidTargetError, parseTarget } from "@certpin/certpin";
 * try {
 *   parseTarget("https://127.0.0.1:0/");
 * } catch (error) {
 *   if (error instanceof InvalidTargetError) console.log(error.input); // https://127.0.0.1:0/
 * }
 * ```
 */
export class InvalidTargetError extends CertpinError {
  /** The target as given. */
  readonly input: string;

  /**
   * Creates the error.
   *
   * @param message What is wrong with the target and which forms are accepted.
   * @param input The target as given.
   */
  constructor(message: string, input: string) {
    super("INVALID_TARGET", message);
    this.name = "InvalidTargetError";
    this.input = input;
  }
}

/** Details attached to a {@linkcode PinMismatchError}. */
export interface PinMismatchDetails {
  /** Host that was connected to, when the certificate came from a connection. */
  host?: string;
  /** Port that was connected to. */
  port?: number;
  /** The pins that were expected, in canonical text form. */
  expected: string[];
  /** The certificate that was received. */
  certificate: CertificateSummary;
}

/**
 * Thrown when a certificate matches none of the pins. The connection that
 * carried it has been closed before any application data was sent.
 *
 * @example Compare the expected pins with the certificate received
 * ```ts
 * import { PinMismatchError, verifyCertificate } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * try {
 *   verifyCertificate(pem, ["sha256//5z1nrCykBe8eoOtvg+ORm2Sgh5y6vt4VuNzhJRL2rVE="]);
 * } catch (error) {
 *   if (error instanceof PinMismatchError) {
 *     console.log(error.expected); // [ "sha256/5z1nrCykBe8eoOtvg+ORm2Sgh5y6vt4VuNzhJRL2rVE=" ]
 *     console.log(error.certificate.fingerprints.publicKeyPin);
 *   }
 * }
 * ```
 */
export class PinMismatchError extends CertpinError {
  /** Host that was connected to, when known. */
  readonly host: string | undefined;
  /** Port that was connected to, when known. */
  readonly port: number | undefined;
  /** The pins that were expected, in canonical text form. */
  readonly expected: string[];
  /** The certificate that was received. */
  readonly certificate: CertificateSummary;

  /**
   * Creates the error; the message lists expected and actual values.
   *
   * @param details Expected pins and the certificate that was received.
   */
  constructor(details: PinMismatchDetails) {
    super("PIN_MISMATCH", describeMismatch(details));
    this.name = "PinMismatchError";
    this.host = details.host;
    this.port = details.port;
    this.expected = details.expected;
    this.certificate = details.certificate;
  }
}

/**
 * The reason a connection failed. `untrusted` (the chain leads to no trusted CA,
 * or a certificate in it expired) and `name-mismatch` (the certificate does
 * not name the server) come only from `verify: "pin+ca"`, and are faults of
 * the certificate rather than of the network.
 */
export type ConnectionErrorKind =
  | "dns"
  | "refused"
  | "unreachable"
  | "reset"
  | "timeout"
  | "aborted"
  | "not-tls"
  | "handshake"
  | "untrusted"
  | "name-mismatch";

/** Details attached to a {@linkcode ConnectionError}. */
export interface ConnectionErrorDetails {
  /** The reason the connection failed. */
  kind: ConnectionErrorKind;
  /** Host that was connected to. */
  host: string;
  /** Port that was connected to. */
  port: number;
  /** The lower-level error, when there is one. */
  cause?: unknown;
}

/**
 * Thrown when a TLS connection could not be made: the host name did not
 * resolve, the port refused, the deadline passed, the peer did not speak TLS,
 * or the handshake failed. `kind` names the reason.
 *
 * @example Branch on the kind
 * ```ts
 * import { ConnectionError, getServerCertificate } from "@certpin/certpin";
 * try {
 *   await getServerCertificate("127.0.0.1:9", { timeout: 500 });
 * } catch (error) {
 *   if (error instanceof ConnectionError && error.kind === "refused") {
 *     console.log(`nothing listens on port ${error.port}`);
 *   }
 * }
 * ```
 */
export class ConnectionError extends CertpinError {
  /** The reason the connection failed. */
  readonly kind: ConnectionErrorKind;
  /** Host that was connected to. */
  readonly host: string;
  /** Port that was connected to. */
  readonly port: number;

  /**
   * Creates the error.
   *
   * @param message What failed and what to check next.
   * @param details The kind, the target and the lower-level cause.
   */
  constructor(message: string, details: ConnectionErrorDetails) {
    super("CONNECTION_FAILED", message, { cause: details.cause });
    this.name = "ConnectionError";
    this.kind = details.kind;
    this.host = details.host;
    this.port = details.port;
  }
}

/**
 * Thrown when the pin store file cannot be read, locked or written.
 *
 * @example
 * ```ts
 * import { PinStore, PinStoreError } from "@certpin/certpin";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, "{ not JSON");
 * try {
 *   await new PinStore({ path }).entries();
 * } catch (error) {
 *   if (error instanceof PinStoreError) console.log(error.path === path); // true
 * } finally {
 *   await Deno.remove(path);
 * }
 * ```
 */
export class PinStoreError extends CertpinError {
  /** Path of the store file. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param message What failed, where in the file, and what to do.
   * @param path Path of the store file.
   * @param options Standard error options, such as the file system error as `cause`.
   */
  constructor(message: string, path: string, options?: ErrorOptions) {
    super("PIN_STORE", message, options);
    this.name = "PinStoreError";
    this.path = path;
  }
}

/**
 * Thrown when a pinned client is asked to connect to a host it has no pin
 * for: a request or redirect to another host, or a target missing from the
 * pin store. No connection to that host was opened.
 *
 * @example
 * ```ts
 * import { createPinnedFetch, UnpinnedHostError } from "@certpin/certpin";
 * const fetch = createPinnedFetch({
 *   pins: { "127.0.0.1:8443": "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=" },
 * });
 * try {
 *   await fetch("https://127.0.0.1:9443/");
 * } catch (error) {
 *   if (error instanceof UnpinnedHostError) console.log(error.port); // 9443
 * } finally {
 *   await fetch.close();
 * }
 * ```
 */
export class UnpinnedHostError extends CertpinError {
  /** Host that has no pin. */
  readonly host: string;
  /** Port that has no pin. */
  readonly port: number;

  /**
   * Creates the error.
   *
   * @param message Which host has no pin and how to give one.
   * @param target The host and port without a pin.
   */
  constructor(message: string, target: { host: string; port: number }) {
    super("UNPINNED_HOST", message);
    this.name = "UnpinnedHostError";
    this.host = target.host;
    this.port = target.port;
  }
}

/**
 * Thrown when a Check Point SDK fingerprints file cannot be read, or pins
 * cannot be written in an SDK file's format (such as a public-key pin, which
 * those files cannot hold).
 *
 * @example
 * ```ts
 * import { readSdkPinFile, SdkPinFileError } from "@certpin/certpin";
 * try {
 *   readSdkPinFile("[]");
 * } catch (error) {
 *   if (error instanceof SdkPinFileError) console.log(error.message);
 * }
 * ```
 */
export class SdkPinFileError extends CertpinError {
  /**
   * Creates the error.
   *
   * @param message What failed, for which entry, and what to do.
   * @param options Standard error options, such as the JSON parser's error as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("SDK_PIN_FILE", message, options);
    this.name = "SdkPinFileError";
  }
}
