// The server certificate of a TLS connection, resumed sessions included.
//
// Node 20 reports no peer certificate on a resumed session: getPeerCertificate()
// returns {}. Deno 2.9.6 does report it. So that a pinned connection can still
// check its pin after resuming, every session a server issues on a connection
// opened by startTlsConnection is remembered together with the certificate
// that server presented. A server can only resume a session whose secret it
// holds, which only the server that presented that certificate does.

import type tls from "node:tls";
import { createHash } from "node:crypto";
import { ConnectionError, formatHostPort } from "./errors.ts";

/** Sessions remembered at most; the oldest is forgotten first. */
const MAX_REMEMBERED_SESSIONS = 1024;

/** Certificate DER by the SHA-256 of the session it was issued with. */
const certificatesBySession = new Map<string, Uint8Array>();

/** The session each socket offered for resumption, as its SHA-256. */
const offeredSessions = new WeakMap<tls.TLSSocket, string>();

/**
 * The certificate each socket's handshake presented, read once. Reading it
 * costs about 45 µs in Deno 2.9.6, which emits "session" twice per
 * connection, so reading it on every event made a pinned connection about
 * 5 % slower (bench/connect_bench.ts). Callers get copies.
 */
const certificatesBySocket = new WeakMap<tls.TLSSocket, Uint8Array>();

/**
 * Remembers, for a new socket, the session it offers and the certificate of
 * every session its server issues. Call it right after creating the socket.
 */
export function trackSessions(
  socket: tls.TLSSocket,
  offered: Uint8Array | undefined,
): void {
  if (offered !== undefined) offeredSessions.set(socket, sessionKey(offered));
  socket.on("session", (session: Uint8Array) => {
    const der = knownCertificate(socket);
    if (der === undefined) return;
    const key = sessionKey(session);
    certificatesBySession.delete(key);
    certificatesBySession.set(key, der);
    if (certificatesBySession.size > MAX_REMEMBERED_SESSIONS) {
      const oldest = certificatesBySession.keys().next().value;
      if (oldest !== undefined) certificatesBySession.delete(oldest);
    }
  });
}

/**
 * Returns the DER of the certificate the server presented: from the
 * handshake, or for a resumed session, from the connection that received
 * the session.
 *
 * @throws {ConnectionError} When the certificate is not known, such as on a
 * session resumed from a connection certpin did not open.
 */
export function peerCertificateDer(
  socket: tls.TLSSocket,
  host: string,
  port: number,
): Uint8Array {
  const der = knownCertificate(socket);
  if (der !== undefined) return der;
  const where = formatHostPort(host, port);
  throw new ConnectionError(
    socket.isSessionReused()
      ? `TLS handshake with ${where} resumed a session whose certificate certpin does not know, so the pin cannot be checked. Connect without the session, or with one from a connection certpin opened.`
      : `TLS handshake with ${where} completed without a server certificate, so there is nothing to read or pin.`,
    { kind: "handshake", host, port },
  );
}

function knownCertificate(socket: tls.TLSSocket): Uint8Array | undefined {
  const read = certificatesBySocket.get(socket);
  if (read !== undefined) return new Uint8Array(read);
  let raw: Uint8Array | undefined;
  try {
    raw = socket.getPeerCertificate().raw as Uint8Array | undefined;
  } catch {
    // A destroyed socket may no longer report its certificate.
    raw = undefined;
  }
  if (raw !== undefined && raw.length > 0) {
    certificatesBySocket.set(socket, new Uint8Array(raw));
    return new Uint8Array(raw);
  }
  if (!socket.isSessionReused()) return undefined;
  const offered = offeredSessions.get(socket);
  return offered === undefined ? undefined : certificatesBySession.get(offered);
}

function sessionKey(session: Uint8Array): string {
  return createHash("sha256").update(session).digest("hex");
}
