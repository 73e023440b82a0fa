import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  bytesToWords,
  isRfc1751Word,
  looksLikeWordList,
  wordsToBytes,
} from "../src/words.ts";
import { RFC1751_WORDS } from "../src/_rfc1751_words.ts";
import { InvalidFingerprintError } from "../src/errors.ts";

// The test vectors printed in RFC 1751, and the SHA-1 prefix of the
// gaia-like.pem fixture as Check Point's `api fingerprint` prints it.
const VECTORS: [string, string][] = [
  ["EB33F77EE73D4053", "TIDE ITCH SLOW REIN RULE MOT"],
  [
    "CCAC2AED591056BE4F90FD441C534766",
    "RASH BUSH MILK LOOK BAD BRIM AVID GAFF BAIT ROT POD LOVE",
  ],
  [
    "EFF81F9BFBC65350920CDD7416DE8009",
    "TROD MUTE TAIL WARM CHAR KONG HAAG CITY BORE O TEAL AWL",
  ],
  [
    "A6364D05E452696D0B86F1C64C9C7CD6",
    "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN",
  ],
];

const GAIA_WORDS = "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN";

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
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

describe("RFC 1751 dictionary", () => {
  it("has 2048 distinct words", () => {
    assert.equal(RFC1751_WORDS.length, 2048);
    assert.equal(new Set(RFC1751_WORDS).size, 2048);
  });

  it("lists short words, then four-letter words, each sorted", () => {
    const short = RFC1751_WORDS.slice(0, 571);
    const long = RFC1751_WORDS.slice(571);
    assert.ok(short.every((word) => word.length <= 3));
    assert.ok(long.every((word) => word.length === 4));
    assert.deepEqual(short, [...short].sort());
    assert.deepEqual(long, [...long].sort());
  });
});

describe("bytesToWords()", () => {
  for (const [hex, words] of VECTORS) {
    it(`encodes ${hex}`, () => {
      assert.equal(bytesToWords(hexBytes(hex)), words);
    });
  }

  it("rejects lengths that are not multiples of 8", () => {
    assert.throws(() => bytesToWords(new Uint8Array(0)), RangeError);
    assert.throws(() => bytesToWords(new Uint8Array(20)), RangeError);
  });
});

describe("wordsToBytes()", () => {
  for (const [hex, words] of VECTORS) {
    it(`decodes ${words.split(" ")[0]}…`, () => {
      assert.equal(
        Buffer.from(wordsToBytes(words)).toString("hex"),
        hex.toLowerCase(),
      );
    });
  }

  it("ignores letter case and whitespace", () => {
    const bytes = wordsToBytes(
      "  kerr Loot\ttom\nONES  ma mana\r\ncoo rid deed hock oldy corn ",
    );
    assert.equal(
      Buffer.from(bytes).toString("hex"),
      "a6364d05e452696d0b86f1c64c9c7cd6",
    );
  });

  it("names a word missing from the dictionary", () => {
    const input = GAIA_WORDS.replace("LOOT", "LOOTS");
    const error = errorOf(() => wordsToBytes(input));
    assert.match(
      error.message,
      /"LOOTS" \(word 2\) is not in the RFC 1751 dictionary/,
    );
    assert.equal(error.position, 5);
    assert.equal(error.input, input);
  });

  it("reports a parity error with its words", () => {
    const error = errorOf(() =>
      wordsToBytes(GAIA_WORDS.replace("CORN", "CORE"))
    );
    assert.match(error.message, /parity check of words 7 to 12/);
    assert.match(error.message, /CORE/);
  });

  it("reports swapped words", () => {
    const swapped = GAIA_WORDS.replace("KERR LOOT", "LOOT KERR");
    assert.throws(() => wordsToBytes(swapped), InvalidFingerprintError);
  });

  it("rejects a count that is not a multiple of six", () => {
    const error = errorOf(() => wordsToBytes("KERR LOOT TOM ONES MA"));
    assert.match(error.message, /found 5 words, expected a multiple of six/);
  });

  it("rejects empty text", () => {
    assert.throws(() => wordsToBytes("   "), InvalidFingerprintError);
  });
});

describe("looksLikeWordList()", () => {
  it("accepts twelve words", () => {
    assert.equal(looksLikeWordList(GAIA_WORDS), true);
  });

  it("accepts twelve words with two typos", () => {
    assert.equal(
      looksLikeWordList(
        GAIA_WORDS.replace("KERR", "KEER").replace("LOOT", "LOTT"),
      ),
      true,
    );
  });

  it("rejects twelve hex pairs", () => {
    assert.equal(
      looksLikeWordList("AD BE ED AD BE ED AD BE ED AD BE ED"),
      false,
    );
  });

  it("rejects a sentence", () => {
    assert.equal(
      looksLikeWordList(
        "please compare the fingerprint below with what the server console shows you",
      ),
      false,
    );
  });

  it("rejects eleven words", () => {
    assert.equal(looksLikeWordList(GAIA_WORDS.replace(" CORN", "")), false);
  });
});

describe("isRfc1751Word()", () => {
  it("ignores letter case", () => {
    assert.equal(isRfc1751Word("oldy"), true);
    assert.equal(isRfc1751Word("OLDIE"), false);
  });
});
