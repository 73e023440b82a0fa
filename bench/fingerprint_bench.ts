/**
 * Benchmark 1: the SHA-256 fingerprint of a DER certificate, certpin's
 * `certificateFingerprint` against a bare `createHash` and against
 * `new X509Certificate(der).fingerprint256`.
 *
 * @module
 */

import { createHash, X509Certificate } from "node:crypto";
import { certificateFingerprint } from "../src/fingerprint.ts";
import {
  type BenchContext,
  type Benchmark,
  compare,
  type ComparisonResult,
  plan,
  report,
} from "./_harness.ts";
import { sizedCertificate } from "./_certificates.ts";

/** Sum of output lengths, read after each run so no call can be dropped as unused. */
let sink = 0;

/** Compares certpin's fingerprint with a bare hash and with the X509Certificate route. */
export const fingerprintBenchmark: Benchmark = {
  name: "fingerprint",
  async run(context: BenchContext): Promise<ComparisonResult[]> {
    const certificates = [
      { title: "RSA 2048", certificate: await sizedCertificate("rsa", 2048) },
      { title: "EC P-256", certificate: await sizedCertificate("ec", 1024) },
    ];
    const results: ComparisonResult[] = [];

    for (const { title, certificate } of certificates) {
      const der = certificate.der;
      const name =
        `1. fingerprint, ${title} certificate (${der.length}-byte DER)`;
      const certpin = {
        label: "certificateFingerprint(der)",
        run(iterations: number) {
          for (let i = 0; i < iterations; i++) {
            sink += certificateFingerprint(der).length;
          }
        },
      };

      results.push(report(
        context,
        await compare({
          name: `${name} vs bare hash`,
          baseline: {
            label: 'createHash("sha256").update(der).digest()',
            run(iterations) {
              for (let i = 0; i < iterations; i++) {
                sink += createHash("sha256").update(der).digest().length;
              }
            },
          },
          certpin,
          ...plan(context.scale, {
            iterations: 20_000,
            rounds: 15,
            warmupRounds: 3,
          }),
          goal: { kind: "ratio-at-most", value: 1.5 },
          note:
            "certpin also checks that the bytes are a certificate and formats colon hex",
        }),
      ));

      results.push(report(
        context,
        await compare({
          name: `${name} vs X509Certificate`,
          baseline: {
            label: "new X509Certificate(der).fingerprint256",
            run(iterations) {
              for (let i = 0; i < iterations; i++) {
                sink += new X509Certificate(der).fingerprint256.length;
              }
            },
          },
          certpin,
          ...plan(context.scale, {
            iterations: 5_000,
            rounds: 15,
            warmupRounds: 3,
          }),
          goal: { kind: "ratio-below", value: 1 },
        }),
      ));
    }

    if (sink < 0) context.output.write("unreachable\n");
    return results;
  },
};
