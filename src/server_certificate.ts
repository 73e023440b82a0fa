/**
 * Reading the certificate a TLS server presents, without trusting it.
 *
 * @module
 */

import type tls from "node:tls";
import type { LookupFunction } from "node:net";
import { describeCertificate } from "./certificate.ts";
import {
  closeSocket,
  openTlsConnection,
  peerCertificateDer,
} from "./connect.ts";
import { parseTarget, type Target } from "./target.ts";
import type { CertificateSummary } from "./types.ts";

/** Options of {@linkcode getServerCertificate}. */
export interface ServerCertificateOptions {
  /** Port used when a target text gives none; 443 unless given. */
  defaultPort?: number;
  /** Server name sent in SNI; the host unless given, none for an IP address. */
  servername?: string;
  /** Milliseconds for DNS, TCP and handshake together; 10 000 unless given. */
  timeout?: number;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
  /** Also return the certificate chain; false unless set. */
  chain?: boolean;
  /**
   * Resolves the host name in place of the system resolver, with the
   * signature of `dns.lookup`. See `TlsConnectionOptions.lookup`.
   */
  lookup?: LookupFunction;
}

/** The certificate a server presented, with where it came from. */
export interface ServerCertificate {
  /** Host that was connected to. */
  host: string;
  /** Port that was connected to. */
  port: number;
  /** The server's own (leaf) certificate, DER. */
  der: Uint8Array;
  /** A readable description of the leaf certificate. */
  summary: CertificateSummary;
  /**
   * With `chain: true`, the chain as the runtime built it, leaf first and
   * each certificate's issuer after it, as DER.
   */
  chain?: Uint8Array[];
  /** The negotiated TLS version, such as `TLSv1.3`. */
  protocol: string | null;
}

/**
 * Connects to a server, reads the certificate it presents during the TLS
 * handshake, and closes the connection without sending any application data.
 *
 * Reading a certificate is not trusting it: this accepts whatever the server
 * presents, so an attacker in the path would be shown here too. Compare the
 * fingerprint with one read on the server itself before pinning it.
 *
 * @param target `host`, `host:port`, `[IPv6]:port`, an `https://` URL, or
 * a parsed {@linkcode Target}.
 * @param options SNI name, deadline, abort signal, resolver and whether to
 * return the chain.
 * @returns The certificate as DER and described.
 * @throws {InvalidTargetError} When the target text cannot be read.
 * @throws {ConnectionError} When no TLS connection could be made; its `kind`
 * names the cause.
 *
 * @example
 * ```ts
 * import { ConnectionError, getServerCertificate } from "@certpin/certpin";
 * try {
 *   const { summary } = await getServerCertificate("127.0.0.1:9", { timeout: 500 });
 *   console.log(summary.fingerprints.sha256);
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.log(error.message);
 * }
 * ```
 */
export async function getServerCertificate(
  target: string | Target,
  options: ServerCertificateOptions = {},
): Promise<ServerCertificate> {
  const { host, port } = typeof target === "string"
    ? parseTarget(target, options.defaultPort)
    : target;
  const socket = await openTlsConnection({
    host,
    port,
    ...(options.servername === undefined
      ? {}
      : { servername: options.servername }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  });

  try {
    const der = peerCertificateDer(socket, host, port);
    return {
      host,
      port,
      der,
      summary: describeCertificate(der),
      ...(options.chain === true ? { chain: peerChain(socket) } : {}),
      protocol: socket.getProtocol(),
    };
  } finally {
    await closeSocket(socket);
  }
}

function peerChain(socket: tls.TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let certificate: tls.DetailedPeerCertificate | undefined = socket
    .getPeerCertificate(true);
  const seen = new Set<tls.DetailedPeerCertificate>();
  while (certificate?.raw !== undefined && !seen.has(certificate)) {
    seen.add(certificate);
    chain.push(new Uint8Array(certificate.raw));
    // A self-signed certificate is its own issuer, which ends the loop.
    certificate = certificate.issuerCertificate;
  }
  return chain;
}
