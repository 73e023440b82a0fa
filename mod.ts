/**
 * certpin: talk to a server with a self-signed certificate without turning
 * TLS checks off. Pin the certificate's fingerprint (or its public-key hash),
 * read out of band, and every connection whose certificate does not match is
 * refused before a single byte of the request is written.
 *
 * @example Compute and check a fingerprint
 * ```ts
 * import { certificateFingerprint, matchPins } from "./mod.ts";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * console.log(certificateFingerprint(pem));
 * const pin = matchPins(pem, ["A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D"]);
 * console.log(pin?.algorithm); // SHA-1
 * ```
 *
 * @module
 */

export type {
  CertificateFingerprints,
  CertificateSummary,
  HashAlgorithm,
  PinKind,
} from "./src/types.ts";
export {
  CertpinError,
  type CertpinErrorCode,
  ConnectionError,
  type ConnectionErrorDetails,
  type ConnectionErrorKind,
  InvalidCertificateError,
  type InvalidFingerprintDetails,
  InvalidFingerprintError,
  InvalidTargetError,
  type PinMismatchDetails,
  PinMismatchError,
  PinStoreError,
  SdkPinFileError,
  UnpinnedHostError,
} from "./src/errors.ts";
export {
  certificateDer,
  type CertificateInput,
  describeCertificate,
  readPemCertificates,
  toX509,
} from "./src/certificate.ts";
export {
  certificateFingerprint,
  Fingerprint,
  type FingerprintOptions,
  publicKeyPin,
} from "./src/fingerprint.ts";
export {
  parseFingerprint,
  parseFingerprints,
  parseWords,
} from "./src/parse.ts";
export {
  FINGERPRINT_FORMATS,
  type FingerprintFormat,
  formatFingerprint,
} from "./src/format.ts";
export { bytesToWords, wordsToBytes } from "./src/words.ts";
export {
  matchPins,
  normalizePins,
  type PinInput,
  verifyCertificate,
  type VerifyContext,
} from "./src/match.ts";
export { parseTarget, type Target } from "./src/target.ts";
export {
  DEFAULT_TIMEOUT,
  openTlsConnection,
  startTlsConnection,
  type TlsConnectionOptions,
} from "./src/connect.ts";
export {
  getServerCertificate,
  type ServerCertificate,
  type ServerCertificateOptions,
} from "./src/server_certificate.ts";
export {
  connectPinned,
  type ConnectPinnedOptions,
  guardTlsSocket,
} from "./src/pinned_socket.ts";
export {
  type AddPinResult,
  defaultPinStorePath,
  type PinConflictAction,
  type PinnedCertificate,
  type PinRecord,
  PinStore,
  type PinStoreEntry,
  type PinStoreOptions,
  resolvePinStorePath,
} from "./src/store.ts";
export { formatPinStore, parsePinStore } from "./src/store_text.ts";
export {
  readSdkPinFile,
  SDK_PIN_FILE_FORMATS,
  type SdkPinEntry,
  type SdkPinFile,
  type SdkPinFileFormat,
  type SdkPinProblem,
  type SdkPinWriteEntry,
  writeSdkPinFile,
} from "./src/checkpoint_files.ts";
export type { PinLookup } from "./src/pin_lookup.ts";
export {
  createPinnedAgent,
  type PinnedAgentOptions,
  type PinSource,
} from "./src/agent.ts";
export {
  createPinnedFetch,
  type PinMap,
  type PinnedFetch,
  pinnedFetch,
  type PinnedFetchInit,
  type PinnedFetchOptions,
} from "./src/fetch.ts";
