/**
 * RFC 1751 English words: each 64-bit block becomes six words from a
 * 2048-word dictionary, the last word carrying two parity bits. Check Point
 * management servers show the first 128 bits of their certificate's SHA-1
 * fingerprint this way ("Using English words: …"), so an administrator can
 * read a fingerprint aloud.
 *
 * See RFC 1751, "A Convention for Human-Readable 128-bit Keys".
 *
 * @example
 * ```ts
 * import { bytesToWords, wordsToBytes } from "@certpin/certpin";
 * const key = Uint8Array.from([0xeb, 0x33, 0xf7, 0x7e, 0xe7, 0x3d, 0x40, 0x53]);
 * console.log(bytesToWords(key)); // TIDE ITCH SLOW REIN RULE MOT
 * console.log(wordsToBytes("tide itch slow rein rule mot").length); // 8
 * ```
 *
 * @module
 */

import { InvalidFingerprintError } from "./errors.ts";
import { RFC1751_WORDS } from "./_rfc1751_words.ts";
import { quoteForMessage } from "./_text.ts";

const WORD_INDEX: ReadonlyMap<string, number> = new Map(
  RFC1751_WORDS.map((word, index) => [word, index]),
);

const BLOCK_BYTES = 8;
const WORDS_PER_BLOCK = 6;

/**
 * Encodes bytes as RFC 1751 words, six words for every 8 bytes.
 *
 * @param bytes The bytes to encode; their length must be a multiple of 8.
 * @returns Uppercase words separated by single spaces.
 * @throws {RangeError} When the length is not a positive multiple of 8.
 *
 * @example The first 16 bytes of a SHA-1 fingerprint
 * ```ts
 * import { bytesToWords, parseFingerprint } from "@certpin/certpin";
 * const sha1 = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
 * console.log(bytesToWords(sha1.bytes.subarray(0, 16)));
 * // KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN
 * ```
 */
export function bytesToWords(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length % BLOCK_BYTES !== 0) {
    throw new RangeError(
      `Cannot encode ${bytes.length} bytes as RFC 1751 words: expected a positive multiple of 8 bytes`,
    );
  }
  const words: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += BLOCK_BYTES) {
    const block = readBlock(bytes, offset);
    // 64 data bits followed by 2 parity bits make 66 bits, six 11-bit words.
    const bits = (block << 2n) | parityOf(block);
    for (let word = 0; word < WORDS_PER_BLOCK; word++) {
      const shift = BigInt(66 - 11 * (word + 1));
      words.push(RFC1751_WORDS[Number((bits >> shift) & 2047n)] as string);
    }
  }
  return words.join(" ");
}

/**
 * Decodes RFC 1751 words into bytes, 8 bytes for every six words. Letter
 * case and the whitespace between words do not matter.
 *
 * @param text The words, such as `TIDE ITCH SLOW REIN RULE MOT`.
 * @returns The decoded bytes.
 * @throws {InvalidFingerprintError} When a word is not in the RFC 1751
 * dictionary, the word count is not a multiple of six, or a parity check fails.
 *
 * @example
 * ```ts
 * import { wordsToBytes } from "@certpin/certpin";
 * const bytes = wordsToBytes("TIDE ITCH SLOW REIN RULE MOT");
 * console.log(bytes[0]?.toString(16)); // eb
 * ```
 */
export function wordsToBytes(text: string): Uint8Array {
  const tokens = [...text.matchAll(/\S+/g)];
  if (tokens.length === 0 || tokens.length % WORDS_PER_BLOCK !== 0) {
    throw new InvalidFingerprintError(
      `Invalid English words ${
        quoteForMessage(text)
      }: found ${tokens.length} words, expected a multiple of six (twelve for a fingerprint).`,
      { input: text },
    );
  }

  const indices = tokens.map((token, number) => {
    const word = token[0].toUpperCase();
    const index = WORD_INDEX.get(word);
    if (index === undefined) {
      throw new InvalidFingerprintError(
        `Invalid English words ${quoteForMessage(text)}: ${
          quoteForMessage(token[0])
        } (word ${
          number + 1
        }) is not in the RFC 1751 dictionary. Compare the words with the server's output again.`,
        { input: text, position: token.index },
      );
    }
    return index;
  });

  const bytes = new Uint8Array(
    (indices.length / WORDS_PER_BLOCK) * BLOCK_BYTES,
  );
  for (let first = 0; first < indices.length; first += WORDS_PER_BLOCK) {
    let bits = 0n;
    for (const index of indices.slice(first, first + WORDS_PER_BLOCK)) {
      bits = (bits << 11n) | BigInt(index);
    }
    const block = bits >> 2n;
    if ((bits & 3n) !== parityOf(block)) {
      const group = tokens.slice(first, first + WORDS_PER_BLOCK)
        .map((token) => token[0].toUpperCase()).join(" ");
      throw new InvalidFingerprintError(
        `Invalid English words ${
          quoteForMessage(text)
        }: the parity check of words ${first + 1} to ${
          first + WORDS_PER_BLOCK
        } ("${group}") failed, so one of them is wrong or out of order. Compare the words with the server's output again.`,
        { input: text, position: tokens[first]?.index ?? 0 },
      );
    }
    writeBlock(bytes, (first / WORDS_PER_BLOCK) * BLOCK_BYTES, block);
  }
  return bytes;
}

/**
 * Returns true when text reads as twelve RFC 1751 words. That is twelve
 * alphabetic tokens with at least ten in the dictionary, so a typo still
 * reads as words and gets an error naming it. Twelve hex pairs such as "AD"
 * or "BE" read as hex, not words.
 */
export function looksLikeWordList(text: string): boolean {
  const tokens = text.trim().split(/\s+/);
  return tokens.length === 12 &&
    tokens.every((token) => /^[a-z]+$/i.test(token)) &&
    tokens.filter((token) => isRfc1751Word(token)).length >= 10 &&
    tokens.some((token) => !/^[0-9a-f]{2}$/i.test(token));
}

/** Returns true when a word, in any letter case, is in the RFC 1751 dictionary. */
export function isRfc1751Word(word: string): boolean {
  return WORD_INDEX.has(word.toUpperCase());
}

function readBlock(bytes: Uint8Array, offset: number): bigint {
  let block = 0n;
  for (let index = offset; index < offset + BLOCK_BYTES; index++) {
    block = (block << 8n) | BigInt(bytes[index] as number);
  }
  return block;
}

function writeBlock(bytes: Uint8Array, offset: number, block: bigint): void {
  for (let index = BLOCK_BYTES - 1; index >= 0; index--) {
    bytes[offset + index] = Number(block & 255n);
    block >>= 8n;
  }
}

// RFC 1751 parity: the sum of the 32 two-bit pairs of the block, modulo 4.
function parityOf(block: bigint): bigint {
  let sum = 0n;
  for (let pair = 0; pair < 32; pair++) {
    sum += block & 3n;
    block >>= 2n;
  }
  return sum & 3n;
}
