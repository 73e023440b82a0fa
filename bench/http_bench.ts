/**
 * Benchmark 4: HTTPS requests over kept-alive connections. The pinned fetch
 * against undici's `fetch` with a keep-alive `Agent` that skips certificate
 * checks, and the pinned `https.Agent` against a plain keep-alive
 * `https.Agent` with `rejectUnauthorized: false`. Each runs requests one at
 * a time and 32 at a time.
 *
 * @module
 */

import https from "node:https";
import type { AddressInfo } from "node:net";
import { Agent, fetch as undiciFetch } from "npm:undici@7.30.3";
import { createPinnedAgent } from "../src/agent.ts";
import { createPinnedFetch } from "../src/fetch.ts";
import { cachedCertificate } from "../tests/helpers/certificates.ts";
import {
  type BenchContext,
  type Benchmark,
  compare,
  type ComparisonResult,
  plan,
  report,
} from "./_harness.ts";

/** Requests in flight at once in the concurrent runs. */
const IN_FLIGHT = 32;

/** Sends one request and reads the whole response. */
type SendRequest = () => Promise<void>;

/** Times pinned HTTPS clients against unverified ones on kept-alive connections. */
export const httpBenchmark: Benchmark = {
  name: "http",
  async run(context: BenchContext): Promise<ComparisonResult[]> {
    const certificate = await cachedCertificate("bench-server");
    const server = await startSmallResponseServer(
      certificate.certPem,
      certificate.keyPem,
    );
    const url = `https://127.0.0.1:${server.port}/status`;
    const pins = [certificate.sha256];

    const plainDispatcher = new Agent({
      connect: { rejectUnauthorized: false },
    });
    const pinnedFetch = createPinnedFetch({
      pins: { [`127.0.0.1:${server.port}`]: pins },
    });
    const plainAgent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: false,
    });
    const pinnedAgent = createPinnedAgent({ pins, keepAlive: true });

    const clients: [string, [string, SendRequest], [string, SendRequest]][] = [
      [
        "fetch",
        [
          "undici fetch, Agent({ rejectUnauthorized: false })",
          async () => {
            const response = await undiciFetch(url, {
              dispatcher: plainDispatcher,
            });
            await response.text();
          },
        ],
        [
          "createPinnedFetch({ pins })",
          async () => {
            const response = await pinnedFetch(url);
            await response.text();
          },
        ],
      ],
      [
        "https.Agent",
        [
          "https.Agent({ keepAlive, rejectUnauthorized: false })",
          () => get(url, plainAgent),
        ],
        [
          "createPinnedAgent({ pins, keepAlive })",
          () => get(url, pinnedAgent),
        ],
      ],
    ];

    const results: ComparisonResult[] = [];
    try {
      for (
        const [client, [baselineLabel, baseline], [certpinLabel, pinned]]
          of clients
      ) {
        for (const inFlight of [1, IN_FLIGHT]) {
          results.push(report(
            context,
            await compare({
              name: `4. ${client}, ${
                inFlight === 1
                  ? "sequential requests"
                  : `${inFlight} requests in flight`
              }`,
              baseline: {
                label: baselineLabel,
                run: (count) => sendAll(baseline, count, inFlight),
              },
              certpin: {
                label: certpinLabel,
                run: (count) => sendAll(pinned, count, inFlight),
              },
              ...plan(context.scale, {
                iterations: 1_000,
                rounds: 21,
                warmupRounds: 1,
              }, inFlight),
              ratioKind: "throughput",
              goal: { kind: "ratio-at-least", value: 0.95 },
              note:
                "server in the same process; kept-alive connections, so handshakes happen only in the warm-up round",
            }),
          ));
        }
      }
    } finally {
      await pinnedFetch.close();
      await plainDispatcher.close();
      plainAgent.destroy();
      pinnedAgent.destroy();
      await server.close();
    }
    return results;
  },
};

/** Sends `count` requests, at most `inFlight` at a time. */
async function sendAll(
  send: SendRequest,
  count: number,
  inFlight: number,
): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      await send();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

/** Sends a GET through an `https.Agent` and reads the whole response. */
function get(url: string, agent: https.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    https.get(url, { agent }, (response) => {
      response.on("data", () => {});
      response.on("end", resolve);
      response.on("error", reject);
    }).on("error", reject);
  });
}

/** A running HTTPS server that responds to every request with a short JSON body. */
interface SmallResponseServer {
  port: number;
  close(): Promise<void>;
}

async function startSmallResponseServer(
  cert: string,
  key: string,
): Promise<SmallResponseServer> {
  const body = JSON.stringify({ status: "ok" });
  const server = https.createServer({ cert, key }, (_request, response) => {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": String(body.length),
    });
    response.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
