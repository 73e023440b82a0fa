// Turning a failed connection attempt into a ConnectionError: the kind of
// failure, and a message that names the stage it failed in and what to check.

import type tls from "node:tls";
import { isIP } from "node:net";
import { CertpinError, ConnectionError, formatHostPort } from "./errors.ts";

/** How far a connection attempt got, for the error messages. */
export type Phase = "dns" | "tcp" | "handshake";

/**
 * The state of one connection attempt: how far it got, and the errors that
 * describe its failure in those terms.
 */
export class ConnectionProgress {
  phase: Phase;
  connected = false;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly timeout: number,
  ) {
    this.phase = isIP(host) === 0 ? "dns" : "tcp";
  }

  get where(): string {
    return formatHostPort(this.host, this.port);
  }

  reached(phase: Phase): void {
    this.phase = phase;
  }

  timedOut(): ConnectionError {
    const stage = {
      dns: `while resolving the host name "${this.host}"`,
      tcp: "while opening the TCP connection (no answer from the host)",
      handshake:
        "during the TLS handshake: the server accepted the TCP connection but did not complete a handshake",
    }[this.phase];
    return new ConnectionError(
      `Connection to ${this.where} timed out after ${this.timeout} ms ${stage}. Check that the host and port are right and that the service speaks TLS, or raise the timeout.`,
      { kind: "timeout", host: this.host, port: this.port },
    );
  }

  aborted(reason: unknown): ConnectionError {
    return new ConnectionError(
      `Connection to ${this.where} was aborted before the TLS handshake completed.`,
      { kind: "aborted", host: this.host, port: this.port, cause: reason },
    );
  }

  /** Turns an error of the runtime into a ConnectionError with its kind. */
  classify(error: unknown): ConnectionError {
    const code = errorCode(error);
    const detail = error instanceof Error
      ? error.message.trim()
      : String(error);
    const make = (
      kind: ConnectionError["kind"],
      message: string,
    ): ConnectionError =>
      new ConnectionError(message, {
        kind,
        host: this.host,
        port: this.port,
        cause: error,
      });

    if (DNS_CODES.has(code)) {
      return make(
        "dns",
        `Connection to ${this.where} failed: the host name "${this.host}" did not resolve (${code}). Check the spelling, or give the IP address.`,
      );
    }
    if (code === "ECONNREFUSED") {
      return make(
        "refused",
        `Connection to ${this.where} was refused: nothing listens on port ${this.port}. Check the port number and that the service is running.`,
      );
    }
    if (UNREACHABLE_CODES.has(code)) {
      return make(
        "unreachable",
        `Connection to ${this.where} failed: the host is unreachable (${code}). Check the address and the network route.`,
      );
    }
    if (NOT_TLS_CODES.has(code)) {
      return make(
        "not-tls",
        `Connection to ${this.where} failed: the server did not answer with TLS, so this port probably serves plain HTTP or another protocol (${code}). Check the port number.`,
      );
    }
    if (this.phase === "handshake" && isClosedBeforeHandshake(error)) {
      return make(
        "handshake",
        `TLS handshake with ${this.where} failed: the server closed the connection before the handshake completed. Check that the port serves TLS and accepts TLS 1.2 or 1.3.`,
      );
    }
    if (code === "ECONNRESET" || code === "EPIPE") {
      return make(
        "reset",
        `Connection to ${this.where} was reset by the peer (${code}).`,
      );
    }
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
      // The runtime's error names the server name it checked.
      const checked = (error as { host?: unknown }).host;
      const name = typeof checked === "string" ? checked : this.host;
      return make(
        "name-mismatch",
        `TLS handshake with ${this.where} failed: the certificate does not name "${name}" (${detail}). Connect with a name the certificate lists, or verify by pin only.`,
      );
    }
    if (CERTIFICATE_CODES.has(code)) {
      return make(
        "untrusted",
        `TLS handshake with ${this.where} failed: the certificate chain is not trusted (${code}: ${detail}). Check the CA certificates given, or verify by pin only.`,
      );
    }
    return make(
      "handshake",
      `TLS handshake with ${this.where} failed: ${detail}${
        code === "" ? "" : ` (${code})`
      }.`,
    );
  }
}

/**
 * Rewrites the socket's `error` events until the handshake completed, so
 * every listener, including ones added later by the caller, receives a
 * ConnectionError. Errors after the handshake pass unchanged, because
 * HTTP clients branch on their `code` (ECONNRESET) to retry requests.
 */
export function classifyErrorsUntilConnected(
  socket: tls.TLSSocket,
  progress: ConnectionProgress,
): void {
  const emit = socket.emit as (
    this: tls.TLSSocket,
    event: string | symbol,
    ...args: unknown[]
  ) => boolean;
  socket.emit = function (
    this: tls.TLSSocket,
    event: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (event === "error" && !progress.connected) {
      const [error] = args;
      const converted = error instanceof CertpinError
        ? error
        : progress.classify(error);
      return emit.call(this, event, converted);
    }
    return emit.call(this, event, ...args);
  } as typeof socket.emit;
  socket.once("secureConnect", () => {
    progress.connected = true;
  });
}

const DNS_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EAI_NODATA",
  "ENODATA",
]);

const UNREACHABLE_CODES = new Set([
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
]);

// OpenSSL's codes when the first bytes from the server are not a TLS record,
// such as an HTTP server's reply to a ClientHello with "HTTP/1.1 400".
const NOT_TLS_CODES = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
  "ERR_SSL_RECORD_LAYER_FAILURE",
]);

// Chain failures raised with `rejectUnauthorized`.
const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
]);

function errorCode(error: unknown): string {
  if (typeof error !== "object" || error === null) return "";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "";
}

function isClosedBeforeHandshake(error: unknown): boolean {
  return error instanceof Error &&
    /before secure TLS connection was established/i.test(error.message);
}
