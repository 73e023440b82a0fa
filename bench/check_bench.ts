/**
 * Benchmark 6: `certpin check` over 200 local servers, against the time of
 * one server's check multiplied by 200 and divided by the concurrency (the
 * wall time if parallel checks cost nothing extra), and against 200 plain
 * `tls.connect` calls made as many at a time. It runs twice: on plain
 * loopback, and with 50 ms added before each server replies, which is
 * closer to servers across a network.
 *
 * @module
 */

import tls from "node:tls";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { main } from "../src/cli/main.ts";
import type { CliIo } from "../src/cli/_common.ts";
import { getServerCertificate } from "../src/server_certificate.ts";
import { matchPins } from "../src/match.ts";
import { parseFingerprint } from "../src/parse.ts";
import { PinStore } from "../src/store.ts";
import { cachedCertificate } from "../tests/helpers/certificates.ts";
import { startServerFarm } from "./_server_farm.ts";
import {
  type BenchContext,
  type Benchmark,
  type ComparisonResult,
  median,
  report,
  summarize,
  timePerOperation,
} from "./_harness.ts";

/** The `--concurrency` given to `certpin check`, its default. */
const CONCURRENCY = 16;

interface Scenario {
  servers: number;
  delayMs: number;
  rounds: number;
  singleChecks: number;
}

/** Times `certpin check` over many local servers against the ideal parallel time. */
export const checkBenchmark: Benchmark = {
  name: "check",
  async run(context: BenchContext): Promise<ComparisonResult[]> {
    const full = context.scale === "full";
    const scenarios: Scenario[] = [
      {
        servers: full ? 200 : 4,
        delayMs: 0,
        rounds: full ? 5 : 1,
        singleChecks: full ? 20 : 1,
      },
      {
        servers: full ? 200 : 4,
        delayMs: full ? 50 : 5,
        rounds: full ? 5 : 1,
        singleChecks: full ? 5 : 1,
      },
    ];
    const results: ComparisonResult[] = [];
    for (const scenario of scenarios) {
      for (const result of await runScenario(scenario)) {
        results.push(report(context, result));
      }
    }
    return results;
  },
};

async function runScenario(
  scenario: Scenario,
): Promise<ComparisonResult[]> {
  const certificate = await cachedCertificate("bench-server");
  const farm = await startServerFarm(
    certificate.certPem,
    certificate.keyPem,
    scenario.servers,
    scenario.delayMs,
  );
  const folder = mkdtempSync(path.join(os.tmpdir(), "certpin-bench-"));
  const storePath = path.join(folder, "pins.json");
  const pin = parseFingerprint(certificate.sha256);

  try {
    const store = new PinStore({ path: storePath });
    for (const port of farm.ports) {
      await store.addPin("127.0.0.1", port, {
        pin,
        added: new Date(),
        addedBy: "bench",
      });
    }

    const firstPort = farm.ports[0] as number;
    const checkOneServer = {
      label: "",
      async run(iterations: number) {
        for (let i = 0; i < iterations; i++) {
          const { der } = await getServerCertificate({
            host: "127.0.0.1",
            port: firstPort,
          });
          if (matchPins(der, [pin]) === undefined) {
            throw new Error("the local server's certificate did not match");
          }
        }
      },
    };
    const checkAll = {
      label: "",
      async run() {
        const output = await runCheck(storePath);
        const summary = `${scenario.servers} servers: ${scenario.servers} ok`;
        if (output.code !== 0 || !output.stdout.includes(summary)) {
          throw new Error(
            `certpin check exited with ${output.code}: ${
              output.stdout.slice(-300)
            }${output.stderr}`,
          );
        }
      },
    };

    const plainPool = {
      label: "",
      run: () => connectToAll(farm.ports, CONCURRENCY),
    };

    const ideal: number[] = [];
    const actual: number[] = [];
    const plain: number[] = [];
    const cpuShares: number[] = [];
    const inFlight: number[] = [];
    const connectionMs: number[] = [];
    for (let round = 0; round < scenario.rounds; round++) {
      const checkFirst = round % 2 === 0;
      if (!checkFirst) plain.push(await timePerOperation(plainPool, 1));
      const cpuBefore = process.cpuUsage();
      farm.resetOpenTime();
      const wall = await timePerOperation(checkAll, 1);
      const cpu = process.cpuUsage(cpuBefore);
      const { totalMs, connections } = farm.openTime();
      if (checkFirst) plain.push(await timePerOperation(plainPool, 1));
      const singleMs = await timePerOperation(
        checkOneServer,
        scenario.singleChecks,
      );

      ideal.push(singleMs * scenario.servers / CONCURRENCY);
      actual.push(wall);
      cpuShares.push((cpu.user + cpu.system) / 1000 / wall);
      inFlight.push(totalMs / wall);
      connectionMs.push(totalMs / connections);
    }

    const latency = scenario.delayMs === 0
      ? "loopback"
      : `${scenario.delayMs} ms added per connection`;
    const name =
      `6. certpin check over ${scenario.servers} local servers, ${latency}`;
    const certpinLabel = `certpin check --concurrency ${CONCURRENCY}`;
    return [
      summarize({
        name: `${name}, vs ideal`,
        baselineLabel:
          `one server's check × ${scenario.servers} / ${CONCURRENCY}`,
        certpinLabel,
        baselineSamples: ideal,
        certpinSamples: actual,
        ratioKind: "time",
        iterations: 1,
        note: `during the check, connections were open ${
          median(connectionMs).toFixed(1)
        } ms each (${
          median(inFlight).toFixed(1)
        } at a time on average), and the process used ${
          Math.round(median(cpuShares) * 100)
        }% of one core`,
      }),
      summarize({
        name: `${name}, vs plain connections`,
        baselineLabel:
          `${scenario.servers} × tls.connect, ${CONCURRENCY} at a time`,
        certpinLabel,
        baselineSamples: plain,
        certpinSamples: actual,
        ratioKind: "time",
        iterations: 1,
        note:
          "the same servers and concurrency without certpin: handshakes of client and servers share one thread",
      }),
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await farm.close();
  }
}

/** Opens a plain TLS connection to every port, `limit` at a time, and closes each. */
async function connectToAll(ports: number[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ports.length) {
      const port = ports[next++] as number;
      await new Promise<void>((resolve, reject) => {
        const socket = tls.connect({
          host: "127.0.0.1",
          port,
          rejectUnauthorized: false,
        });
        socket.once("secureConnect", () => {
          socket.once("close", () => resolve());
          socket.destroy();
        });
        socket.once("error", reject);
      });
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

async function runCheck(
  storePath: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: {},
    stdinIsTerminal: false,
    stderrIsTerminal: false,
  };
  const code = await main(
    ["check", "--store", storePath, "--concurrency", String(CONCURRENCY)],
    io,
  );
  return { code, stdout, stderr };
}
