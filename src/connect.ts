/**
 * Opening one TLS connection with `node:tls`: one deadline over DNS, TCP and
 * the handshake, an optional abort signal, and failures turned into
 * {@linkcode ConnectionError}s whose `kind` names the cause.
 *
 * This module checks no pin. With `verify: "pin"` it accepts any
 * certificate, so the caller must check the peer certificate before sending
 * data: `guardTlsSocket` and `connectPinned` do that.
 *
 * @module
 */

import tls from "node:tls";
import { isIP, type LookupFunction } from "node:net";
import { Buffer } from "node:buffer";
import {
  classifyErrorsUntilConnected,
  ConnectionProgress,
} from "./_connection_errors.ts";
import { checkTrusted } from "./_check_trusted.ts";
import { peerCertificateDer, trackSessions } from "./_peer_certificate.ts";

/**
 * The deadline for connecting when none is given, in milliseconds: 10 000.
 * It covers DNS, TCP connect and the TLS handshake together.
 *
 * @example Allow a slow link three times as long
 * ```ts
 * import { ConnectionError, DEFAULT_TIMEOUT, getServerCertificate } from "@certpin/certpin";
 * try {
 *   await getServerCertificate("127.0.0.1:9", { timeout: 3 * DEFAULT_TIMEOUT });
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.log(error.kind); // refused
 * }
 * ```
 */
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
   * `pin` (the default) accepts any certificate, so the check is left to a
   * pin. `pin+ca` also requires a chain to a trusted CA (from `ca`, or the
   * runtime's store) and a certificate that names the host or IP address.
   */
  verify?: "pin" | "pin+ca";
  /** PEM certificates of the CAs trusted with `pin+ca`, in place of the runtime's store. */
  ca?: string | readonly string[];
  /** A TLS session from an earlier connection's `getSession()`, to resume. */
  session?: Uint8Array;
  /**
   * Resolves the host name in place of the system resolver, with the
   * signature of `dns.lookup`, as `net.connect` takes it. It is not called
   * for an IP address. An error it reports with a DNS code such as
   * `ENOTFOUND` fails the connection with kind `dns`. Use it to reach a
   * name from a hosts list of your own, or to keep tests off the network.
   */
  lookup?: LookupFunction;
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
 * @throws {TypeError} When the host, port, timeout or lookup is invalid.
 *
 * @example Listen for a failed attempt
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
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  });

  const progress = new ConnectionProgress(host, port, timeout);
  classifyErrorsUntilConnected(socket, progress);
  trackSessions(socket, options.session);
  // The runtime emits "lookup" with the error when resolving failed too.
  socket.once("lookup", (error: Error | null | undefined) => {
    if (error == null) progress.reached("tcp");
  });
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
 * @throws {TypeError} When the host, port, timeout or lookup is invalid.
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
  return waitForSecureConnect(startTlsConnection(options));
}

/**
 * Resolves with the socket once its handshake completed and every check at
 * `secureConnect` passed; rejects with the socket's first error, after
 * destroying it.
 */
export function waitForSecureConnect(
  socket: tls.TLSSocket,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      // A check at secureConnect (pin+ca, a pin) may have destroyed the
      // socket; its error event follows.
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
  const lookup: unknown = options.lookup;
  if (lookup !== undefined && typeof lookup !== "function") {
    throw new TypeError(
      `Cannot connect to "${options.host}": lookup must be a function with the signature of dns.lookup, got ${typeof lookup}`,
    );
  }
}

/**
 * Closes a connected socket: sends TLS close_notify and TCP FIN, reads and
 * drops what still arrives, and resolves once the socket has closed, after
 * `grace` milliseconds (1000 unless given) at most, when it is destroyed.
 * A graceful close lets the server finish its side of the handshake, where
 * an abrupt one would show up as a reset in the server's log.
 *
 * @param socket The socket to close.
 * @param grace Milliseconds to wait for the server's close.
 * @returns A promise that resolves once the socket has closed; it never
 * rejects.
 *
 * @example
 * ```ts
 * import { startTlsConnection } from "@certpin/certpin";
 * import { closeSocket } from "./connect.ts";
 * const socket = startTlsConnection({ host: "127.0.0.1", port: 9, timeout: 500 });
 * socket.on("error", (error) => console.log(error.name)); // ConnectionError
 * await closeSocket(socket);
 * console.log(socket.closed); // true
 * ```
 */
export function closeSocket(
  socket: tls.TLSSocket,
  grace = 1000,
): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), grace);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    // An error while closing changes nothing for the caller.
    socket.on("error", () => {});
    socket.resume();
    socket.end();
  });
}

export { peerCertificateDer };
