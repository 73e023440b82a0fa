/**
 * Making a TLS socket fail closed on a pin: no application byte leaves the
 * socket before the server's certificate matched one of the pins, and on a
 * mismatch the socket is destroyed with a {@linkcode PinMismatchError}.
 *
 * @module
 */

import type tls from "node:tls";
import type { Fingerprint } from "./fingerprint.ts";
import {
  normalizePins,
  type PinInput,
  verifyCertificate,
  type VerifyContext,
} from "./match.ts";
import {
  peerCertificateDer,
  startTlsConnection,
  type TlsConnectionOptions,
  waitForSecureConnect,
} from "./connect.ts";

type WriteCallback = (error?: Error | null) => void;
type Chunk = { chunk: unknown; encoding: BufferEncoding };

/** A write kept back until the pin check passed. */
type HeldWrite =
  | {
    kind: "one";
    chunk: unknown;
    encoding: BufferEncoding;
    callback: WriteCallback;
  }
  | { kind: "many"; chunks: Chunk[]; callback: WriteCallback };

/** The stream methods the gate replaces; every write reaches one of them. */
interface WritableInternals {
  _write(
    chunk: unknown,
    encoding: BufferEncoding,
    callback: WriteCallback,
  ): void;
  _writev?(chunks: Chunk[], callback: WriteCallback): void;
}

/**
 * Makes a TLS socket fail closed on its pins. Call it right after creating
 * the socket, before its handshake completes.
 *
 * Every write is held in the stream, below `write()` and above the TLS
 * layer, until `secureConnect`. Then the peer certificate is checked against
 * the pins. On a match the held writes go out in order; on a mismatch the
 * socket is destroyed with a {@linkcode PinMismatchError} and the held
 * writes are dropped, so the server receives no application byte. The check
 * runs at `secureConnect` on every connection, resumed sessions included,
 * and not in `checkServerIdentity`, which Node skips for resumed sessions.
 *
 * @param socket A TLS socket whose handshake has not completed, such as
 * one from `startTlsConnection`.
 * @param pins The pins the certificate must match one of.
 * @param context Host and port for the mismatch message.
 * @returns The same socket.
 * @throws {TypeError} When no pin is given or the handshake already completed.
 *
 * @example
 * ```ts
 * import { guardTlsSocket, parseFingerprint, startTlsConnection } from "@certpin/certpin";
 * const pin = parseFingerprint("sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=");
 * const socket = startTlsConnection({ host: "127.0.0.1", port: 9, timeout: 500 });
 * guardTlsSocket(socket, [pin], { host: "127.0.0.1", port: 9 });
 * socket.write("GET / HTTP/1.1\r\n\r\n"); // held until the pin matched
 * socket.on("error", (error) => console.log(error.name)); // ConnectionError
 * ```
 */
export function guardTlsSocket(
  socket: tls.TLSSocket,
  pins: readonly Fingerprint[],
  context: VerifyContext = {},
): tls.TLSSocket {
  if (pins.length === 0) {
    throw new TypeError(
      "Cannot guard a TLS socket without pins: give at least one fingerprint or public-key pin",
    );
  }
  if (socket.getPeerCertificate()?.raw !== undefined) {
    throw new TypeError(
      "Cannot guard a TLS socket whose handshake already completed: call guardTlsSocket right after creating the socket",
    );
  }
  const expected = [...pins];
  const stream = socket as unknown as WritableInternals;
  const write = stream._write;
  const writev = stream._writev;
  const held: HeldWrite[] = [];
  let state: "pending" | "verified" | "rejected" = "pending";
  let rejection: Error | undefined;

  stream._write = function (chunk, encoding, callback) {
    if (state === "verified") {
      return write.call(this, chunk, encoding, callback);
    }
    if (state === "rejected") return callback(rejection);
    held.push({ kind: "one", chunk, encoding, callback });
  };
  if (writev !== undefined) {
    stream._writev = function (chunks, callback) {
      if (state === "verified") return writev.call(this, chunks, callback);
      if (state === "rejected") return callback(rejection);
      held.push({ kind: "many", chunks, callback });
    };
  }

  socket.once("secureConnect", () => {
    // An earlier check (such as pin+ca in startTlsConnection) failed.
    if (socket.destroyed) {
      state = "rejected";
      return;
    }
    try {
      verifyCertificate(
        peerCertificateDer(
          socket,
          context.host ?? socket.remoteAddress ?? "",
          context.port ?? socket.remotePort ?? 0,
        ),
        expected,
        context,
      );
    } catch (error) {
      state = "rejected";
      rejection = error instanceof Error ? error : new Error(String(error));
      socket.destroy(rejection);
      // The held writes never reach the TLS layer; their callbacks get the error.
      for (const entry of held.splice(0)) entry.callback(rejection);
      return;
    }

    state = "verified";
    restore(stream, "_write", write);
    if (writev !== undefined) restore(stream, "_writev", writev);
    for (const entry of held.splice(0)) {
      if (entry.kind === "one") {
        write.call(stream, entry.chunk, entry.encoding, entry.callback);
      } else {
        writev?.call(stream, entry.chunks, entry.callback);
      }
    }
  });
  return socket;
}

/** Options of {@linkcode connectPinned}. */
export interface ConnectPinnedOptions extends TlsConnectionOptions {
  /**
   * The pins the server's certificate must match one of: parsed
   * fingerprints, or text in any form `parseFingerprint` reads.
   */
  pins: readonly PinInput[];
}

/**
 * Opens a TLS connection whose server certificate matched one of the pins.
 * On a mismatch the socket is destroyed before any application byte was
 * sent, and the promise rejects.
 *
 * @param options Where to connect, the pins, the deadline and whether a
 * trusted CA chain is also required (`verify: "pin+ca"`).
 * @returns The connected, verified socket.
 * @throws {PinMismatchError} When the certificate matches none of the pins.
 * @throws {ConnectionError} When no TLS connection could be made.
 * @throws {InvalidFingerprintError} When a pin given as text cannot be read.
 * @throws {TypeError} When no pin is given, or host, port or timeout are invalid.
 *
 * @example
 * ```ts
 * import { CertpinError, connectPinned } from "@certpin/certpin";
 * try {
 *   const socket = await connectPinned({
 *     host: "127.0.0.1",
 *     port: 9,
 *     pins: ["sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc="],
 *     timeout: 500,
 *   });
 *   socket.end();
 * } catch (error) {
 *   if (error instanceof CertpinError) console.log(error.code); // CONNECTION_FAILED
 * }
 * ```
 */
export async function connectPinned(
  options: ConnectPinnedOptions,
): Promise<tls.TLSSocket> {
  const pins = normalizePins(options.pins);
  const { pins: _pins, ...connection } = options;
  const socket = startTlsConnection(connection);
  guardTlsSocket(socket, pins, { host: options.host, port: options.port });
  return await waitForSecureConnect(socket);
}

// Puts the original method back as an own property. Deleting the wrapper
// would also bring back the prototype's method, but a delete switches the
// socket's properties to a slow dictionary. Every later request on a
// kept-alive connection then cost 6 to 19 µs more CPU in Deno 2.9.6, 7 to
// 20 % of a request (bench/http_bench.ts; see docs/benchmarks.md).
function restore(
  stream: WritableInternals,
  name: "_write" | "_writev",
  original: unknown,
): void {
  Object.assign(stream, { [name]: original });
}
