/**
 * Opening one TLS connection with `node:tls`: one deadline over DNS, TCP and
 * the handshake, an optional abort signal, and failures turned into
 * {@linkcode ConnectionError}s whose `kind` says what went wrong.
 *
 * This module checks no pin. With `verify: "pin"` it accepts any
 * certificate, so the caller must check the peer certificate before sending
 * data: `guardTlsSocket` and `connectPinned` do that.
 *
 * @module
 */

import tls from "node:tls";
import { isIP } from "node:net";
import { Buffer } from "node:buffer";
import { CertpinError, ConnectionError, formatHostPort } from "./errors.ts";

/** The deadline for connecting when none is given, in milliseconds. */
export const DEFAULT_TIMEOUT = 10_000;

/** Options of {@linkcode startTlsConnection} and {@linkcode openTlsConnection}. */
export interface TlsConnectionOptions {
  /** Host name or IP address to connect to, without brackets. */
  host: string;
  /** TCP port. */
  port: number;
  /**
   * Server name sent in the TLS SNI extension and checked with `pin+ca`.
   * The host unless given; no SNI is sent for an IP address.
   */
  servername?: string;
  /**
   * Milliseconds from the start until the handshake must be complete,
   * covering DNS, TCP connect and TLS handshake together; 10 000 unless
   * given.
   */
  timeout?: number;
  /** Aborts the connection attempt; the socket is then destroyed. */
  signal?: AbortSignal;
  /** ALPN protocol names to offer, such as `["http/1.1"]`. */
  alpnProtocols?: readonly string[];
  /**
   * `pin` (the default) accepts any certificate, leaving the check to a
   * pin; `pin+ca` also requires a chain to a trusted CA (from `ca`, or the
   * runtime's store) and a host name or IP address the certificate names.
   */
  verify?: "pin" | "pin+ca";
  /** PEM certificates of the CAs trusted with `pin+ca`, in place of the runtime's store. */
  ca?: string | readonly string[];
  /** A TLS session from an earlier connection's `getSession()`, to resume. */
  session?: Uint8Array;
}

/**
 * Starts a TLS connection and returns the socket at once, for callers that
 * need a socket synchronously (an `https.Agent`'s `createConnection`, an
 * undici connector). The socket emits `secureConnect` when the handshake
 * completes. Until then, every `error` event carries a
 * {@linkcode ConnectionError} (or another {@linkcode CertpinError}, such as
 * a pin mismatch); afterwards errors pass through as the runtime raised them.
 *
 * @param options Where to connect, the deadline and how to verify.
 * @returns The socket, still connecting.
 * @throws {TypeError} When the host, port or timeout is invalid.
 *
 * @example Read the certificate of a local server
 * ```ts
 * import { startTlsConnection } from "@certpin/certpin";
 * const socket = startTlsConnection({ host: "127.0.0.1", port: 9, timeout: 500 });
 * socket.on("error", (error) => console.log(error.name)); // ConnectionError
 * ```
 */
export function startTlsConnection(
  options: TlsConnectionOptions,
): tls.TLSSocket {
  const { host, port } = options;
  validateOptions(options);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const verify = options.verify ?? "pin";
  const servername = options.servername ?? host;

  const socket = tls.connect({
    host,
    port,
    ...(isIP(servername) === 0 ? { servername } : {}),
    rejectUnauthorized: verify === "pin+ca",
    // With "pin+ca" the host name is checked again at secureConnect below,
    // because Node skips this check when it resumes a session.
    checkServerIdentity: verify === "pin+ca"
      ? tls.checkServerIdentity
      : () => undefined,
    ...(options.ca === undefined ? {} : { ca: [options.ca].flat() }),
    ...(options.alpnProtocols === undefined
      ? {}
      : { ALPNProtocols: [...options.alpnProtocols] }),
    ...(options.session === undefined
      ? {}
      : { session: Buffer.from(options.session) }),
  });

  const progress = new ConnectionProgress(host, port, timeout);
  classifyErrorsUntilConnected(socket, progress);
  socket.once("lookup", () => progress.reached("tcp"));
  socket.once("connect", () => progress.reached("handshake"));

  const deadline = setTimeout(() => {
    socket.destroy(progress.timedOut());
  }, timeout);
  const onAbort = (): void => {
    socket.destroy(progress.aborted(options.signal?.reason));
  };
  const finish = (): void => {
    clearTimeout(deadline);
    options.signal?.removeEventListener("abort", onAbort);
  };
  socket.once("close", finish);
  socket.once("secureConnect", () => {
    finish();
    if (verify === "pin+ca") checkTrusted(socket, servername, progress);
  });

  if (options.signal?.aborted === true) {
    onAbort();
  } else {
    options.signal?.addEventListener("abort", onAbort, { once: true });
  }
  return socket;
}

/**
 * Opens a TLS connection and resolves once the handshake completed. The
 * certificate is not checked against any pin here; use `connectPinned` to
 * connect with a pin.
 *
 * @param options Where to connect, the deadline and how to verify.
 * @returns The connected socket.
 * @throws {ConnectionError} When the name does not resolve, the port refuses,
 * the deadline passes, the signal aborts, the peer does not speak TLS or the
 * handshake fails.
 * @throws {TypeError} When the host, port or timeout is invalid.
 *
 * @example
 * ```ts
 * import { ConnectionError, openTlsConnection } from "@certpin/certpin";
 * try {
 *   await openTlsConnection({ host: "127.0.0.1", port: 9, timeout: 500 });
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.log(error.kind); // refused
 * }
 * ```
 */
export function openTlsConnection(
  options: TlsConnectionOptions,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = startTlsConnection(options);
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      // A check at secureConnect (pin+ca) may have destroyed the socket;
      // its error event follows.
      if (socket.destroyed) return;
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

function validateOptions(options: TlsConnectionOptions): void {
  if (typeof options.host !== "string" || options.host === "") {
    throw new TypeError(
      `Cannot connect: host must be a non-empty string, got ${
        JSON.stringify(options.host)
      }`,
    );
  }
  if (
    !Number.isInteger(options.port) || options.port < 1 ||
    options.port > 65535
  ) {
    throw new TypeError(
      `Cannot connect to "${options.host}": port must be a whole number from 1 to 65535, got ${options.port}`,
    );
  }
  const timeout = options.timeout;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new TypeError(
      `Cannot connect to "${options.host}": timeout must be a positive number of milliseconds, got ${timeout}`,
    );
  }
}

/** How far a connection attempt got, for the error messages. */
type Phase = "dns" | "tcp" | "handshake";

class ConnectionProgress {
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
    if (CERTIFICATE_CODES.has(code)) {
      return make(
        "handshake",
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
// as from an HTTP server answering a ClientHello with "HTTP/1.1 400".
const NOT_TLS_CODES = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
  "ERR_SSL_RECORD_LAYER_FAILURE",
]);

// Chain and name failures raised with `rejectUnauthorized`.
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
  "ERR_TLS_CERT_ALTNAME_INVALID",
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

/**
 * Rewrites the socket's `error` events until the handshake completed, so
 * every listener, including ones added later by the caller, receives a
 * ConnectionError. Errors after the handshake pass unchanged, because
 * HTTP clients branch on their `code` (ECONNRESET) to retry requests.
 */
function classifyErrorsUntilConnected(
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

/**
 * Checks, for `pin+ca`, that the runtime trusted the chain and that the
 * certificate names the host. The host check runs here and not only in
 * the runtime, because Node skips it on a resumed session.
 */
function checkTrusted(
  socket: tls.TLSSocket,
  servername: string,
  progress: ConnectionProgress,
): void {
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? "unknown reason");
    socket.destroy(
      new ConnectionError(
        `TLS handshake with ${progress.where} failed: the certificate chain is not trusted (${reason}). Check the CA certificates given, or verify by pin only.`,
        { kind: "handshake", host: progress.host, port: progress.port },
      ),
    );
    return;
  }
  const identityError = tls.checkServerIdentity(
    servername,
    socket.getPeerCertificate(),
  );
  if (identityError !== undefined) {
    socket.destroy(
      new ConnectionError(
        `TLS handshake with ${progress.where} failed: the certificate does not name "${servername}" (${identityError.message}). Connect with a name the certificate lists, or verify by pin only.`,
        {
          kind: "handshake",
          host: progress.host,
          port: progress.port,
          cause: identityError,
        },
      ),
    );
  }
}

/**
 * Returns the DER of the certificate the peer presented.
 *
 * @throws {ConnectionError} When the peer presented none.
 */
export function peerCertificateDer(
  socket: tls.TLSSocket,
  host: string,
  port: number,
): Uint8Array {
  const raw = socket.getPeerCertificate().raw as Uint8Array | undefined;
  if (raw === undefined || raw.length === 0) {
    throw new ConnectionError(
      `TLS handshake with ${
        formatHostPort(host, port)
      } completed without a server certificate, so there is nothing to read or pin.`,
      { kind: "handshake", host, port },
    );
  }
  return new Uint8Array(raw);
}

/** Destroys a socket and resolves once it has closed. */
export function closeSocket(socket: tls.TLSSocket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.destroy();
  });
}
