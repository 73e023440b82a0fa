/**
 * Benchmark 2: `parseFingerprint` on the forms users paste, against the
 * one-line decoding a user would otherwise write with `Buffer.from`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { parseFingerprint } from "../src/parse.ts";
import {
  type BenchContext,
  type Benchmark,
  compare,
  type ComparisonResult,
  type Goal,
  plan,
  report,
} from "./_harness.ts";

/** SHA-256 fingerprint of `tests/fixtures/certs/gaia-like.pem`, as OpenSSL prints it. */
const COLON_HEX =
  "55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C";

/** Public-key pin of the same certificate. */
const PUBLIC_KEY_PIN = "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=";

interface Form {
  title: string;
  text: string;
  baselineLabel: string;
  decode(text: string): Uint8Array;
  goal?: Goal;
  note: string;
}

const HEX_NOTE =
  'the baseline validates nothing: Buffer.from(…, "hex") stops silently at the first non-hex character';

const FORMS: readonly Form[] = [
  {
    title: "colon hex",
    text: COLON_HEX,
    baselineLabel: 'Buffer.from(text.replaceAll(":", ""), "hex")',
    decode: (text) => Buffer.from(text.replaceAll(":", ""), "hex"),
    goal: { kind: "rate-at-least", value: 1_000_000 },
    note: HEX_NOTE,
  },
  {
    title: "plain hex",
    text: COLON_HEX.replaceAll(":", "").toLowerCase(),
    baselineLabel: 'Buffer.from(text, "hex")',
    decode: (text) => Buffer.from(text, "hex"),
    note: HEX_NOTE,
  },
  {
    title: "OpenSSL line",
    text: `sha256 Fingerprint=${COLON_HEX}`,
    baselineLabel: 'Buffer.from(text.slice(text.indexOf("=") + 1)…, "hex")',
    decode: (text) =>
      Buffer.from(text.slice(text.indexOf("=") + 1).replaceAll(":", ""), "hex"),
    note: HEX_NOTE,
  },
  {
    title: "sha256/BASE64",
    text: PUBLIC_KEY_PIN,
    baselineLabel: 'Buffer.from(text.slice(7), "base64")',
    decode: (text) => Buffer.from(text.slice("sha256/".length), "base64"),
    note:
      'the baseline validates nothing: Buffer.from(…, "base64") skips characters outside the alphabet',
  },
];

/** Sum of output lengths, read after each run so no call can be dropped as unused. */
let sink = 0;

/** Compares `parseFingerprint` with a bare decode, one result per form. */
export const parseBenchmark: Benchmark = {
  name: "parse",
  async run(context: BenchContext): Promise<ComparisonResult[]> {
    const results: ComparisonResult[] = [];
    for (const form of FORMS) {
      const { text, decode } = form;
      results.push(report(
        context,
        await compare({
          name: `2. parseFingerprint, ${form.title}`,
          baseline: {
            label: form.baselineLabel,
            run(iterations) {
              for (let i = 0; i < iterations; i++) {
                sink += decode(text).length;
              }
            },
          },
          certpin: {
            label: "parseFingerprint(text)",
            run(iterations) {
              for (let i = 0; i < iterations; i++) {
                sink += parseFingerprint(text).bytes.length;
              }
            },
          },
          ...plan(context.scale, {
            iterations: 50_000,
            rounds: 15,
            warmupRounds: 3,
          }),
          ...(form.goal === undefined ? {} : { goal: form.goal }),
          note: form.note,
        }),
      ));
    }
    if (sink < 0) context.output.write("unreachable\n");
    return results;
  },
};
