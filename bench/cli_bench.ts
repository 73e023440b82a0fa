/**
 * Benchmark 5: the whole `certpin fingerprint HOST:PORT` process against the
 * OpenSSL pipeline a user would otherwise type, both reading the same local
 * server's certificate.
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import { cachedCertificate } from "../tests/helpers/certificates.ts";
import { startTlsServer } from "../tests/helpers/servers.ts";
import { runCliProcess } from "../tests/helpers/cli.ts";
import {
  type BenchContext,
  type Benchmark,
  compare,
  type ComparisonResult,
  plan,
  report,
} from "./_harness.ts";

const NAME = "5. CLI end to end, one fingerprint read from a local server";

/** Times whole `certpin fingerprint` processes against `openssl s_client | openssl x509`. */
export const cliBenchmark: Benchmark = {
  name: "cli",
  async run(context: BenchContext): Promise<ComparisonResult[]> {
    const missing = opensslMissing();
    if (missing !== undefined) {
      context.output.write(`${NAME}: skipped: ${missing}\n`);
      return [];
    }

    const certificate = await cachedCertificate("bench-server");
    const server = await startTlsServer({
      cert: certificate.certPem,
      key: certificate.keyPem,
      respond: "none",
    });
    const target = `${server.host}:${server.port}`;
    const pipeline =
      `openssl s_client -connect ${target} </dev/null 2>/dev/null` +
      " | openssl x509 -noout -fingerprint -sha256";

    try {
      // Both sides must print the same fingerprint, or the times compare different work.
      expectFingerprint(
        "openssl",
        await runShell(pipeline),
        certificate.sha256,
      );
      const first = await runCliProcess(["fingerprint", target]);
      expectFingerprint(
        "certpin",
        `${first.stdout}${first.stderr}`,
        certificate.sha256,
      );

      const result = await compare({
        name: NAME,
        baseline: {
          label: "openssl s_client … | openssl x509 -fingerprint -sha256",
          async run(iterations) {
            for (let i = 0; i < iterations; i++) await runShell(pipeline);
          },
        },
        certpin: {
          label: `certpin fingerprint ${target}`,
          async run(iterations) {
            for (let i = 0; i < iterations; i++) {
              await runCliProcess(["fingerprint", target]);
            }
          },
        },
        ...plan(context.scale, {
          iterations: 3,
          rounds: 8,
          warmupRounds: 1,
        }),
        cpuRatio: false,
        note:
          "whole-process time: certpin's includes starting the JavaScript runtime and loading its modules",
      });
      return [report(context, result)];
    } finally {
      await server.close();
    }
  },
};

/** Returns why openssl cannot run, or undefined when it can. */
function opensslMissing(): string | undefined {
  const probe = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (probe.error !== undefined) {
    return `openssl is not available (${probe.error.message})`;
  }
  if (probe.status !== 0) {
    return `"openssl version" exited with status ${probe.status}`;
  }
  return undefined;
}

/** Runs a shell command line and returns its standard output. */
function runShell(commandLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", commandLine], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
    });
    child.on("error", reject);
    child.on("close", () => resolve(stdout));
  });
}

function expectFingerprint(side: string, output: string, sha256: string) {
  if (!output.toUpperCase().includes(sha256)) {
    throw new Error(
      `${side} did not print the server's fingerprint ${sha256}; it printed: ${
        JSON.stringify(output.slice(0, 500))
      }`,
    );
  }
}
