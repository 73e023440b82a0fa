import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "npm:fast-check@4.11.0";
import { parseCommonForm } from "../src/_parse_common.ts";
import { parseFingerprint } from "../src/parse.ts";
import type { Fingerprint } from "../src/fingerprint.ts";

// The general parser strips matching quotes before anything else, and the
// shortcut rejects a quote, so parsing the quoted text runs the general
// parser alone on the same value.
function parseGenerally(text: string): string {
  try {
    return summarizePin(parseFingerprint(`"${text}"`));
  } catch (error) {
    return `error ${(error as Error).name}`;
  }
}

function summarizePin(pin: Fingerprint): string {
  return `${pin.kind} ${pin.algorithm} ${
    Buffer.from(pin.bytes).toString("hex")
  } words=${pin.words}`;
}

const colonHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:");

const digest = fc.constantFrom(16, 19, 20, 21, 32, 33, 48, 64, 65)
  .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));

const commonForms = fc.oneof(
  digest.map((bytes) => Buffer.from(bytes).toString("hex")),
  digest.map((bytes) => Buffer.from(bytes).toString("hex").toUpperCase()),
  digest.map(colonHex),
  digest.map((bytes) => colonHex(bytes).toLowerCase()),
  fc.tuple(
    fc.constantFrom("sha1", "SHA1", "sha256", "SHA-256", "sha512", "md5"),
    digest,
  ).map(([label, bytes]) => `${label} Fingerprint=${colonHex(bytes)}`),
  fc.uint8Array({ minLength: 31, maxLength: 33 })
    .map((bytes) => `sha256/${Buffer.from(bytes).toString("base64")}`),
  fc.string({
    minLength: 43,
    maxLength: 45,
    unit: fc.constantFrom(
      ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-",
    ),
  }).map((text) => `sha256/${text}`),
);

// One character replaced or inserted, to reach the edges of each form.
const nearMisses = fc.tuple(
  commonForms,
  fc.nat(),
  fc.constantFrom("g", ":", "=", "/", " ", "\u200e", "A", "0", "-"),
  fc.boolean(),
).map(([text, at, char, insert]) => {
  const index = at % (text.length + 1);
  return text.slice(0, index) + char + text.slice(index + (insert ? 0 : 1));
});

describe("parseCommonForm()", () => {
  it("agrees with the general parser", () => {
    let shortcuts = 0;
    fc.assert(
      fc.property(fc.oneof(commonForms, nearMisses), (text) => {
        const pin = parseCommonForm(text);
        if (pin === undefined) return;
        shortcuts++;
        assert.equal(summarizePin(pin), parseGenerally(text), text);
      }),
      { numRuns: 20_000 },
    );
    // The property checks nothing unless the shortcut was taken often.
    assert.ok(shortcuts > 1_000, `shortcut taken ${shortcuts} times`);
  });

  const cases: [string, string | undefined][] = [
    [
      "55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C",
      "certificate SHA-256 55684bcf7cccb4a4010c6ed4e713d1a8e5ecaa3846ccb09ef5af340b45becd8c words=false",
    ],
    [
      "a6364d05e452696d0b86f1c64c9c7cd6b5a4254d",
      "certificate SHA-1 a6364d05e452696d0b86f1c64c9c7cd6b5a4254d words=false",
    ],
    [
      "SHA1 Fingerprint=A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D",
      "certificate SHA-1 a6364d05e452696d0b86f1c64c9c7cd6b5a4254d words=false",
    ],
    [
      "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=",
      "public-key SHA-256 9cbec53b1961a025f1fb5b69a8a769532ffcc285bb1b076686c86adfa8140957 words=false",
    ],
    // A label that disagrees with the length is left to the general parser's error.
    [
      "sha256 Fingerprint=A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D",
      undefined,
    ],
    // MD5 length, a lost digit, a stray bit in base64, curl's double slash.
    ["00112233445566778899aabbccddeeff", undefined],
    ["A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4", undefined],
    ["sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVd=", undefined],
    ["sha256//nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=", undefined],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text.slice(0, 24))}…`, () => {
      const pin = parseCommonForm(text);

      assert.equal(pin === undefined ? undefined : summarizePin(pin), expected);
    });
  }
});
