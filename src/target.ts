/**
 * Reading targets: `host`, `host:port`, `[v6]:port` and `https://` URLs. STUB.
 *
 * @module
 */

/** A host and port to connect to. */
export interface Target {
  /** Host name or IP address, without brackets; host names lowercased. */
  host: string;
  /** TCP port. */
  port: number;
}

/**
 * Parses a target. STUB.
 *
 * @param text `host`, `host:port`, `[v6]:port` or an `https://` URL.
 * @param defaultPort Port used when none is given; 443 unless set.
 * @returns The host and port.
 * @throws {InvalidTargetError} When the text is not a target.
 */
export function parseTarget(text: string, defaultPort = 443): Target {
  throw new Error(`not implemented ${text} ${defaultPort}`);
}
