import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  type Fingerprint,
  InvalidFingerprintError,
  parseFingerprint,
  parseFingerprints,
  parseWords,
} from "../mod.ts";
import { fixtureText } from "./helpers/fixtures.ts";

interface ValidCase {
  input: string;
  kind: string;
  algorithm: string;
  hex: string;
  note: string;
}

interface InvalidCase {
  input: string;
  mentions: string;
  note: string;
}

const CASES = JSON.parse(fixtureText("fingerprint-inputs.json")) as {
  valid: ValidCase[];
  invalid: InvalidCase[];
};

const GAIA_SHA1 = "A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D";
const GAIA_SHA256 =
  "55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C";
const GAIA_WORDS = "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN";

function hexOf(pin: Fingerprint): string {
  return Buffer.from(pin.bytes).toString("hex");
}

function errorOf(action: () => unknown): InvalidFingerprintError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof InvalidFingerprintError, String(error));
    return error;
  }
  assert.fail("expected an InvalidFingerprintError");
}

describe("parseFingerprint() accepts pasted forms", () => {
  for (const testCase of CASES.valid) {
    it(testCase.note, () => {
      const pin = parseFingerprint(testCase.input);
      assert.equal(pin.kind, testCase.kind);
      assert.equal(pin.algorithm, testCase.algorithm);
      assert.equal(hexOf(pin), testCase.hex);
    });
  }

  for (const testCase of CASES.valid) {
    it(`canonical text parses back: ${testCase.note}`, () => {
      const pin = parseFingerprint(testCase.input);
      assert.ok(parseFingerprint(pin.text).equals(pin));
    });
  }
});

describe("parseFingerprint() rejects bad input", () => {
  for (const testCase of CASES.invalid) {
    it(testCase.note, () => {
      const error = errorOf(() => parseFingerprint(testCase.input));
      assert.ok(
        error.message.toLowerCase().includes(testCase.mentions.toLowerCase()),
        `"${error.message}" does not mention "${testCase.mentions}"`,
      );
      assert.equal(error.input, testCase.input);
      assert.equal(error.code, "INVALID_FINGERPRINT");
    });
  }
});

describe("parseFingerprint() error details", () => {
  it("names a look-alike letter and its code point", () => {
    const input = GAIA_SHA256.replace("4B", "4\u0412");
    const error = errorOf(() => parseFingerprint(input));
    assert.match(
      error.message,
      /character "\u0412" \(U\+0412\) at position 7 is not hexadecimal/,
    );
    assert.equal(error.position, 7);
  });

  it("counts positions in the text as given", () => {
    // The invisible mark and the quote are removed before reading, but the
    // position still points into the original input.
    const input = `"\u200e${GAIA_SHA1.replace("4D", "4Z")}"`;
    const error = errorOf(() => parseFingerprint(input));
    assert.equal(error.position, 9);
    assert.equal(input[error.position], "Z");
  });

  it("shows invisible characters as code points", () => {
    const input = `A6\u200b36\u0007`;
    const error = errorOf(() => parseFingerprint(input));
    assert.match(error.message, /character U\+0007/);
    assert.match(error.message, /"A6<U\+200B>36<U\+0007>"/);
  });

  it("shortens a long value with an ellipsis", () => {
    const error = errorOf(() => parseFingerprint(`${"AB".repeat(100)}Z`));
    assert.match(error.message, /"(AB){30}…"/);
  });

  it("names a group that lost a digit", () => {
    const input = GAIA_SHA1.replace("4D:05", "4D:5");
    const error = errorOf(() => parseFingerprint(input));
    assert.match(
      error.message,
      /group "5" at position 9 has 1 hexadecimal digit/,
    );
  });

  it("says which label and length disagree", () => {
    const error = errorOf(() =>
      parseFingerprint(`SHA256 Fingerprint=${GAIA_SHA1}`)
    );
    assert.match(error.message, /label says SHA-256 \(32 bytes\)/);
    assert.match(error.message, /20 bytes, the length of SHA-1/);
  });

  it("rejects a labeled MD5", () => {
    const error = errorOf(() =>
      parseFingerprint(
        "MD5 Fingerprint=D4:1D:8C:D9:8F:00:B2:04:E9:80:09:98:EC:F8:42:7E",
      )
    );
    assert.match(error.message, /MD5 is too weak/);
    assert.match(error.message, /-sha256/);
  });

  it("rejects an unknown algorithm", () => {
    const error = errorOf(() => parseFingerprint(`sha3:${GAIA_SHA1}`));
    assert.match(error.message, /algorithm "sha3" is not supported/);
  });

  it("points from a certificate to certpin fingerprint", () => {
    const pem = fixtureText("certs/gaia-like.pem");
    const error = errorOf(() => parseFingerprint(pem));
    assert.match(error.message, /a fingerprint is expected/);
    assert.match(error.message, /certpin fingerprint FILE/);
  });

  it("points from certificate base64 to certpin fingerprint", () => {
    const body = fixtureText("certs/gaia-like.pem").split("\n").slice(1, -2)
      .join("");
    const error = errorOf(() => parseFingerprint(body));
    assert.match(error.message, /certpin fingerprint FILE/);
  });

  it("suggests a label for bare base64", () => {
    const error = errorOf(() =>
      parseFingerprint("nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=")
    );
    assert.match(error.message, /sha256\/BASE64 for a public-key pin/);
  });

  it("rejects a label without a value", () => {
    const error = errorOf(() => parseFingerprint("SHA256 Fingerprint="));
    assert.match(error.message, /no fingerprint after it/);
  });

  it("says when only invisible characters were given", () => {
    const error = errorOf(() => parseFingerprint("\u200e\ufeff"));
    assert.match(error.message, /empty apart from invisible characters/);
  });

  it("rejects base64 with stray bits", () => {
    const error = errorOf(() =>
      parseFingerprint("sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVd=")
    );
    assert.match(error.message, /last base64 character/);
  });

  it("rejects misplaced base64 padding", () => {
    const error = errorOf(() =>
      parseFingerprint("sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc==")
    );
    assert.match(error.message, /wrong length or padding/);
  });

  it("rejects input that is not a string", () => {
    assert.throws(() => parseFingerprint(42 as unknown as string), TypeError);
  });
});

describe("parseFingerprint() other forms", () => {
  const sha1Hex = "a6364d05e452696d0b86f1c64c9c7cd6b5a4254d";

  it("reads a Fingerprint: label", () => {
    assert.equal(hexOf(parseFingerprint(`Fingerprint: ${GAIA_SHA1}`)), sha1Hex);
  });

  it("reads a label on its own line", () => {
    const pin = parseFingerprint(
      `SHA-256 Fingerprint\n${GAIA_SHA256.replaceAll(":", " ")}`,
    );
    assert.equal(pin.algorithm, "SHA-256");
  });

  it("reads typographic quotes", () => {
    assert.equal(hexOf(parseFingerprint(`\u201C${GAIA_SHA1}\u201D`)), sha1Hex);
  });

  it("reads base64 with a SHA1 label", () => {
    assert.equal(
      hexOf(parseFingerprint("SHA1:pjZNBeRSaW0LhvHGTJx81rWkJU0")),
      sha1Hex,
    );
  });

  it("reads URL-safe base64 pins", () => {
    const pin = parseFingerprint(
      "sha256/nL7FOxlhoCXx-1tpqKdpUy_8woW7Gwdmhshq36gUCVc",
    );
    assert.equal(
      pin.text,
      "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=",
    );
  });

  it("reads a pin whose base64 starts with a slash", () => {
    const base64 = Buffer.from(new Uint8Array(32).fill(0xff)).toString(
      "base64",
    );
    assert.ok(base64.startsWith("/"));
    const single = parseFingerprint(`sha256/${base64}`);
    const curl = parseFingerprint(`sha256//${base64}`);
    assert.equal(hexOf(single), "ff".repeat(32));
    assert.equal(hexOf(curl), "ff".repeat(32));
  });

  it("reads SHA-384 and SHA-512 by length", () => {
    assert.equal(parseFingerprint("ab".repeat(48)).algorithm, "SHA-384");
    assert.equal(
      parseFingerprint("AB:".repeat(63) + "AB").algorithm,
      "SHA-512",
    );
  });

  it("reads twelve English words", () => {
    const pin = parseFingerprint(GAIA_WORDS.toLowerCase());
    assert.equal(pin.words, true);
    assert.equal(pin.algorithm, "SHA-1");
    assert.equal(hexOf(pin), sha1Hex.slice(0, 32));
    assert.equal(pin.text, `words:${GAIA_WORDS}`);
  });

  it("reads Check Point's words line", () => {
    const pin = parseFingerprint(`Using English words: ${GAIA_WORDS}`);
    assert.equal(pin.text, `words:${GAIA_WORDS}`);
  });

  it("names a misspelled word", () => {
    const input = GAIA_WORDS.replace("HOCK", "HOCKS");
    const error = errorOf(() => parseFingerprint(input));
    assert.match(
      error.message,
      /"HOCKS" \(word 10\) is not in the RFC 1751 dictionary/,
    );
    assert.equal(error.position, input.indexOf("HOCKS"));
  });

  it("counts the words when eleven are given", () => {
    const input = GAIA_WORDS.replace(" CORN", "");
    const error = errorOf(() => parseFingerprint(input));
    assert.match(
      error.message,
      /found 11 words, but twelve RFC 1751 English words are expected/,
    );
    assert.equal(error.input, input);
  });

  it("counts the words when thirteen are given", () => {
    const error = errorOf(() => parseFingerprint(`${GAIA_WORDS} CORN`));
    assert.match(error.message, /found 13 words/);
  });

  it("reads twelve hex pairs as hex", () => {
    const error = errorOf(() =>
      parseFingerprint("AD BE ED AD BE ED AD BE ED AD BE ED")
    );
    assert.match(error.message, /12 bytes/);
  });
});

describe("parseWords()", () => {
  it("reads words in any case and spacing", () => {
    const pin = parseWords(
      `  ${GAIA_WORDS.toLowerCase().replaceAll(" ", "\n")} `,
    );
    assert.equal(pin.text, `words:${GAIA_WORDS}`);
  });

  it("reads a words: label", () => {
    assert.equal(parseWords(`words:${GAIA_WORDS}`).words, true);
  });

  it("rejects six words", () => {
    const error = errorOf(() => parseWords("TIDE ITCH SLOW REIN RULE MOT"));
    assert.match(
      error.message,
      /found 6 words, but twelve RFC 1751 English words are expected/,
    );
  });

  it("rejects a parity error", () => {
    assert.throws(
      () => parseWords(GAIA_WORDS.replace("CORN", "CORE")),
      InvalidFingerprintError,
    );
  });

  it("rejects empty input", () => {
    const error = errorOf(() => parseWords(" "));
    assert.match(error.message, /empty/);
  });
});

describe("parseFingerprints() Check Point output", () => {
  const textOutput = fixtureText("checkpoint-api-fingerprint.txt");

  it("reads the api fingerprint text", () => {
    const pins = parseFingerprints(textOutput);
    assert.deepEqual(pins.map(String), [`SHA-1:${GAIA_SHA1}`]);
  });

  const variants: [string, (text: string) => string][] = [
    ["CRLF line endings", (text) => text.replace(/\n/g, "\r\n")],
    ["indented lines", (text) => text.replace(/^/gm, "    ")],
    ["blank lines", (text) => `\n\n${text.replace(/\n/g, "\n\n\n")}\n`],
    ["tabs and trailing spaces", (text) => text.replace(/\n/g, " \t\n\t")],
    ["a byte order mark", (text) => `\ufeff${text}`],
  ];
  for (const [name, change] of variants) {
    it(`reads the text with ${name}`, () => {
      const pins = parseFingerprints(change(textOutput));
      assert.deepEqual(pins.map(String), [`SHA-1:${GAIA_SHA1}`]);
    });
  }

  it("raises when the words disagree with the SHA-1", () => {
    const changed = textOutput.replace("KERR LOOT", "LOOT KERR");
    assert.throws(() => parseFingerprints(changed), InvalidFingerprintError);
  });

  it("raises when the words are another certificate's", () => {
    const other = "RASH BUSH MILK LOOK BAD BRIM AVID GAFF BAIT ROT POD LOVE";
    const error = errorOf(() =>
      parseFingerprints(textOutput.replace(GAIA_WORDS, other))
    );
    assert.match(error.message, /do not match the SHA-1 fingerprint/);
  });

  it("raises on a broken SHA-1 line", () => {
    const error = errorOf(() =>
      parseFingerprints(textOutput.replace("4D:05", "4D:0G"))
    );
    assert.match(error.message, /^Line 2: /);
    assert.match(error.message, /character "G"/);
  });

  it("keeps the words when there is no SHA-1", () => {
    const pins = parseFingerprints(
      `Fingerprint:\nUsing English words: ${GAIA_WORDS}\n`,
    );
    assert.deepEqual(pins.map(String), [`words:${GAIA_WORDS}`]);
  });

  it("reads the JSON output", () => {
    const pins = parseFingerprints(
      fixtureText("checkpoint-api-fingerprint.json"),
    );
    assert.deepEqual(pins.map(String), [
      `SHA-1:${GAIA_SHA1}`,
      `SHA-256:${GAIA_SHA256}`,
    ]);
  });

  it("reads the SHA-256-only JSON output", () => {
    const pins = parseFingerprints(
      fixtureText("checkpoint-api-fingerprint-sha256-only.json"),
    );
    assert.deepEqual(pins.map(String), [`SHA-256:${GAIA_SHA256}`]);
  });

  it("reads the JSON output with CRLF and indentation", () => {
    const json = fixtureText("checkpoint-api-fingerprint.json").replace(
      /\n/g,
      "\r\n    ",
    );
    assert.equal(parseFingerprints(json).length, 2);
  });

  it("reads a single JSON object", () => {
    const pins = parseFingerprints(
      JSON.stringify({ "fingerprint-sha1": GAIA_SHA1 }),
    );
    assert.deepEqual(pins.map(String), [`SHA-1:${GAIA_SHA1}`]);
  });

  it("reads a JSON array of strings", () => {
    const pins = parseFingerprints(JSON.stringify([GAIA_SHA1, GAIA_SHA256]));
    assert.equal(pins.length, 2);
  });

  it("raises when a JSON key names another algorithm", () => {
    const json = JSON.stringify([{ "fingerprint-sha1": GAIA_SHA256 }]);
    const error = errorOf(() => parseFingerprints(json));
    assert.match(error.message, /"fingerprint-sha1" holds/);
  });

  it("raises on a JSON object without fingerprints", () => {
    const error = errorOf(() => parseFingerprints('[{"name": "gaia"}]'));
    assert.match(
      error.message,
      /neither "fingerprint-sha1" nor "fingerprint-sha256"/,
    );
  });

  it("raises on a broken JSON value", () => {
    const json = JSON.stringify([{
      "fingerprint-sha256": GAIA_SHA256.slice(0, -3),
    }]);
    const error = errorOf(() => parseFingerprints(json));
    assert.match(error.message, /^Element 1, "fingerprint-sha256": /);
  });

  it("raises on JSON that cannot be read", () => {
    const error = errorOf(() =>
      parseFingerprints('[{"fingerprint-sha1": "A6:36"')
    );
    assert.match(error.message, /starts like JSON but cannot be read/);
  });
});

describe("parseFingerprints() lists", () => {
  const pinA = "sha256//nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=";
  const pinB = "sha256//5z1nrCykBe8eoOtvg+ORm2Sgh5y6vt4VuNzhJRL2rVE=";

  it("reads a curl-style list", () => {
    const pins = parseFingerprints(`${pinA};${pinB}`);
    assert.deepEqual(pins.map(String), [
      pinA.replace("//", "/"),
      pinB.replace("//", "/"),
    ]);
  });

  it("reads one pin per line with comments", () => {
    const text = `# appliance\n${GAIA_SHA256}\n\n# backup key\n${pinB}\n`;
    assert.equal(parseFingerprints(text).length, 2);
  });

  it("reads a Public-Key-Pins header", () => {
    const header = `Public-Key-Pins: pin-sha256="${
      pinA.slice(8)
    }"; pin-sha256="${pinB.slice(8)}"; max-age=5184000; includeSubDomains`;
    assert.equal(parseFingerprints(header).length, 2);
  });

  it("reads openssl output with a subject line", () => {
    const text = `subject=CN = 192.0.2.10\nsha256 Fingerprint=${GAIA_SHA256}\n`;
    assert.deepEqual(parseFingerprints(text).map(String), [
      `SHA-256:${GAIA_SHA256}`,
    ]);
  });

  it("drops repeated pins", () => {
    const pins = parseFingerprints(`${GAIA_SHA1}\n${GAIA_SHA1.toLowerCase()}`);
    assert.equal(pins.length, 1);
  });

  it("raises on a broken entry of a list", () => {
    const error = errorOf(() => parseFingerprints(`${pinA};sha256//abc`));
    assert.match(error.message, /^Line 1: /);
  });

  it("raises on a typo in a words line", () => {
    const error = errorOf(() =>
      parseFingerprints(`${GAIA_SHA1}\n${GAIA_WORDS.replace("TOM", "TOMB")}`)
    );
    assert.match(error.message, /"TOMB" \(word 3\)/);
  });

  it("raises on empty input", () => {
    const error = errorOf(() => parseFingerprints("\n \r\n"));
    assert.match(error.message, /empty/);
  });

  it("raises when no fingerprint is found", () => {
    const error = errorOf(() =>
      parseFingerprints("Fingerprint:\n# nothing here\n")
    );
    assert.match(error.message, /no fingerprint found/);
  });
});

// Separators that copies out of terminals, documents and word processors put
// between the hex bytes, each with a name for the test.
const SEPARATORS: [string, string][] = [
  ["tab", "\t"],
  ["fullwidth colon", "\uff1a"],
  ["en dash", "\u2013"],
  ["em dash", "\u2014"],
  ["hyphen", "\u2010"],
  ["minus sign", "\u2212"],
  ["dot", "."],
  ["no-break space", "\u00a0"],
];

describe("parseFingerprint() separators", () => {
  for (const [name, separator] of SEPARATORS) {
    it(`reads hex separated by ${name}`, () => {
      const pin = parseFingerprint(GAIA_SHA256.replaceAll(":", separator));
      assert.equal(pin.text, `SHA-256:${GAIA_SHA256}`);
    });
  }

  it("reads tabs around a label", () => {
    const pin = parseFingerprint(`\tSHA256\tFingerprint=\t${GAIA_SHA256}\t`);
    assert.equal(pin.text, `SHA-256:${GAIA_SHA256}`);
  });

  it("names a separator it does not accept", () => {
    const error = errorOf(() =>
      parseFingerprint(GAIA_SHA1.replaceAll(":", "|"))
    );
    assert.match(error.message, /character "\|" at position 2/);
    assert.match(error.message, /":", "-", ".", spaces or tabs/);
  });

  it("names a fullwidth comma", () => {
    const error = errorOf(() =>
      parseFingerprint(GAIA_SHA1.replaceAll(":", "\uff0c"))
    );
    assert.match(error.message, /character "\uff0c" \(U\+FF0C\) at position 2/);
  });
});

describe("parseFingerprints() reads every line", () => {
  for (const [name, separator] of SEPARATORS) {
    it(`reads a second line separated by ${name}`, () => {
      const text = `${GAIA_SHA1}\n${GAIA_SHA256.replaceAll(":", separator)}\n`;
      assert.deepEqual(parseFingerprints(text).map(String), [
        `SHA-1:${GAIA_SHA1}`,
        `SHA-256:${GAIA_SHA256}`,
      ]);
    });
  }

  it("reads a Public-Key-Pins header with tabs", () => {
    const header =
      'Public-Key-Pins:\tpin-sha256="nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=";\tmax-age=60';
    assert.equal(parseFingerprints(header).length, 1);
  });

  it("raises on a line with an unknown separator", () => {
    const text = `${GAIA_SHA256}\n${GAIA_SHA1.replaceAll(":", "|")}\n`;
    const error = errorOf(() => parseFingerprints(text));
    assert.match(error.message, /^Line 2: /);
    assert.match(error.message, /character "\|"/);
    assert.doesNotMatch(error.message, /start it with "#"/);
  });

  it("raises on a sentence and suggests a comment", () => {
    const error = errorOf(() =>
      parseFingerprints(`${GAIA_SHA1}\nthe backup appliance\n`)
    );
    assert.match(error.message, /^Line 2: /);
    assert.match(error.message, /If line 2 is not a fingerprint/);
    assert.match(error.message, /start it with "#"/);
  });

  it("raises on a line of eleven words", () => {
    const eleven = GAIA_WORDS.replace(" CORN", "");
    const error = errorOf(() => parseFingerprints(`${GAIA_SHA1}\n${eleven}`));
    assert.match(error.message, /^Line 2: /);
    assert.match(error.message, /found 11 words/);
  });

  it("raises on a broken fingerprint ending in a colon", () => {
    const broken = "a6364d05e452696d0b86f1c64c9c7cd6b5a4254:";
    const error = errorOf(() => parseFingerprints(`${GAIA_SHA1}\n${broken}`));
    assert.match(error.message, /^Line 2: /);
    assert.match(error.message, /39 hexadecimal digits/);
  });

  it("skips headings, comments and OpenSSL fields", () => {
    const text = [
      "Certificate fingerprints:",
      "# the appliance",
      "subject=CN = 192.0.2.10",
      "issuer=CN = 192.0.2.10",
      `sha256 Fingerprint=${GAIA_SHA256}`,
      "SHA1:",
      "",
    ].join("\n");
    assert.deepEqual(parseFingerprints(text).map(String), [
      `SHA-256:${GAIA_SHA256}`,
    ]);
  });

  it("reads a fingerprint that ends in a colon", () => {
    const pins = parseFingerprints(`sha1 ${GAIA_SHA1.replaceAll(":", "")}:`);
    assert.deepEqual(pins.map(String), [`SHA-1:${GAIA_SHA1}`]);
  });
});

describe("parsers reject long input", () => {
  it("rejects a 21 MB line", () => {
    const line = "AB:".repeat(7_000_000);
    const error = errorOf(() => parseFingerprints(`${GAIA_SHA1}\n${line}\n`));
    assert.match(
      error.message,
      /line 2 "AB:AB:.*…" has 21000000 characters, more than the 4096/,
    );
    assert.equal(error.input, line);
  });

  it("rejects a long line in a list", () => {
    const pins = Array(80).fill(`sha256//${"A".repeat(43)}=`).join(";");
    const error = errorOf(() => parseFingerprints(pins));
    assert.match(error.message, /line 1 .* more than the 4096/);
    assert.match(error.message, /one fingerprint on each line/);
  });

  it("rejects a fingerprint of 4 MB", () => {
    const error = errorOf(() => parseFingerprint("AB".repeat(2_000_000)));
    assert.match(error.message, /has 4000000 characters, more than the 4096/);
  });

  it("rejects long English words", () => {
    const error = errorOf(() => parseWords(`${GAIA_WORDS} `.repeat(1000)));
    assert.match(error.message, /more than the 4096/);
  });

  it("points from a long PEM to certpin fingerprint", () => {
    const pem = fixtureText("certs/gaia-like.pem").repeat(10);
    assert.ok(pem.length > 4096);
    const error = errorOf(() => parseFingerprint(pem));
    assert.match(error.message, /this is PEM text/);
  });

  it("reads 20 000 lines", () => {
    const lines = Array.from(
      { length: 20_000 },
      (_, index) => index.toString(16).padStart(64, "0"),
    );
    const pins = parseFingerprints(lines.join("\n"));
    assert.equal(pins.length, 20_000);
    assert.equal(hexOf(pins[19_999] as Fingerprint), lines[19_999]);
  });
});
