// The pin+ca checks at secureConnect: a chain the runtime trusted, and a
// certificate that names the server.

import type tls from "node:tls";
import { isIP } from "node:net";
import { X509Certificate } from "node:crypto";
import { ConnectionError } from "./errors.ts";
import type { ConnectionProgress } from "./_connection_errors.ts";
import { peerCertificateDer } from "./_peer_certificate.ts";

/**
 * Checks, for `pin+ca`, that the runtime trusted the chain and that the
 * certificate names the host. The host check runs here and not only in
 * the runtime, because Node skips it on a resumed session.
 */
export function checkTrusted(
  socket: tls.TLSSocket,
  servername: string,
  progress: ConnectionProgress,
): void {
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? "unknown reason");
    socket.destroy(
      new ConnectionError(
        `TLS handshake with ${progress.where} failed: the certificate chain is not trusted (${reason}). Check the CA certificates given, or verify by pin only.`,
        { kind: "untrusted", host: progress.host, port: progress.port },
      ),
    );
    return;
  }
  let der: Uint8Array;
  try {
    der = peerCertificateDer(socket, progress.host, progress.port);
  } catch (error) {
    socket.destroy(error as Error);
    return;
  }
  const certificate = new X509Certificate(der);
  const named = isIP(servername) === 0
    ? certificate.checkHost(servername)
    : certificate.checkIP(servername);
  if (named === undefined) {
    const names = certificate.subjectAltName ??
      `no alternative names, ${certificate.subject.replaceAll("\n", ", ")}`;
    socket.destroy(
      new ConnectionError(
        `TLS handshake with ${progress.where} failed: the certificate does not name "${servername}" (it lists ${names}). Connect with a name the certificate lists, or verify by pin only.`,
        { kind: "name-mismatch", host: progress.host, port: progress.port },
      ),
    );
  }
}
