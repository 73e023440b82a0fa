/**
 * Benchmark 3: a pinned TLS connection (`connectPinned`) against a plain
 * `tls.connect` with `rejectUnauthorized: false`, to the same local server,
 * with a full handshake each time.
 *
 * @module
 */

import tls from "node:tls";
import { connectPinned } from "../src/pinned_socket.ts";
import { cachedCertificate } from "../tests/helpers/certificates.ts";
import { startTlsServer } from "../tests/helpers/servers.ts";
import {
  type BenchContext,
  type Benchmark,
  compare,
  type ComparisonResult,
  plan,
  report,
} from "./_harness.ts";

/** Times full TLS handshakes with and without the pin check. */
export const connectBenchmark: Benchmark = {
  name: "connect",
  async run(context: BenchContext): Promise<ComparisonResult[]> {
    const certificate = await cachedCertificate("bench-server");
    // Without session tickets every connection makes a full handshake.
    const server = await startTlsServer({
      cert: certificate.certPem,
      key: certificate.keyPem,
      respond: "none",
      sessionTickets: false,
    });
    const { host, port } = server;
    const pins = [certificate.sha256];

    try {
      const result = await compare({
        name: "3. TLS connection with a full handshake to a local server",
        baseline: {
          label: "tls.connect({ rejectUnauthorized: false })",
          async run(iterations) {
            for (let i = 0; i < iterations; i++) {
              (await connectUnverified(host, port)).destroy();
            }
          },
        },
        certpin: {
          label: "connectPinned({ pins })",
          async run(iterations) {
            for (let i = 0; i < iterations; i++) {
              (await connectPinned({ host, port, pins })).destroy();
            }
          },
        },
        ...plan(context.scale, {
          iterations: 25,
          rounds: 21,
          warmupRounds: 2,
        }),
        goal: { kind: "ratio-at-most", value: 1.05 },
        note:
          "RSA 2048 server in the same process; both sides wait for the handshake and then destroy the socket",
      });
      return [report(context, result)];
    } finally {
      await server.close();
    }
  },
};

/** Connects without any certificate check, as scripts that turn checks off do. */
function connectUnverified(host: string, port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}
