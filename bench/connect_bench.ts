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
import { startServerFarm } from "./_server_farm.ts";
import {
  type BenchContext,
  type Benchmark,
  compare,
  type ComparisonResult,
  plan,
  report,
  type Side,
} from "./_harness.ts";

const LOOPBACK = "127.0.0.1";

/** Milliseconds the slow server waits before its handshake starts. */
const ADDED_LATENCY_MS = 5;

/**
 * Times full TLS handshakes with and without the pin check: on plain
 * loopback, where the goal applies, and against a server that starts its
 * handshake 5 ms late, to show the same cost against a network's latency.
 */
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
    const slowServer = await startServerFarm(
      certificate.certPem,
      certificate.keyPem,
      1,
      ADDED_LATENCY_MS,
    );
    const pins = [certificate.sha256];
    const sides = (port: number): { baseline: Side; certpin: Side } => ({
      baseline: {
        label: "tls.connect({ rejectUnauthorized: false })",
        async run(iterations) {
          for (let i = 0; i < iterations; i++) {
            (await connectUnverified(LOOPBACK, port)).destroy();
          }
        },
      },
      certpin: {
        label: "connectPinned({ pins })",
        async run(iterations) {
          for (let i = 0; i < iterations; i++) {
            (await connectPinned({ host: LOOPBACK, port, pins })).destroy();
          }
        },
      },
    });

    try {
      const loopback = report(
        context,
        await compare({
          name: "3. TLS connection with a full handshake to a local server",
          ...sides(server.port),
          ...plan(context.scale, {
            iterations: 25,
            rounds: 21,
            warmupRounds: 2,
          }),
          goal: { kind: "ratio-at-most", value: 1.05 },
          note:
            "RSA 2048 server in the same process; both sides wait for the handshake and then destroy the socket",
        }),
      );
      const delayed = report(
        context,
        await compare({
          name:
            `3. TLS connection with a full handshake, server ${ADDED_LATENCY_MS} ms late`,
          ...sides(slowServer.ports[0] as number),
          ...plan(context.scale, {
            iterations: 10,
            rounds: 11,
            warmupRounds: 1,
          }),
          note:
            "the same, but the server waits before its handshake, as a server across a network would",
        }),
      );
      return [loopback, delayed];
    } finally {
      await server.close();
      await slowServer.close();
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
