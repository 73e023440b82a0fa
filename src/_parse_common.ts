// A shortcut for the forms servers print, written exactly: colon or plain
// hex, OpenSSL's `SHA256 Fingerprint=HEX` line and `sha256/BASE64`. The
// general parser tests each character with a regular expression while it
// cleans and decodes the text, about 10 µs per fingerprint in Deno 2.9.6,
// and these inputs need neither step.
import { DIGEST_LENGTHS, Fingerprint } from "./fingerprint.ts";
import type { HashAlgorithm } from "./types.ts";

const OPENSSL_LABEL = /^sha-?(1|256|384|512) fingerprint=$/i;
const BASE64_PIN = /^[A-Za-z0-9+/]{43}=$/;

// Value of each hex digit by character code; -1 for every other character.
const HEX_VALUES = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUES[digit.toString(16).charCodeAt(0)] = digit;
  HEX_VALUES[digit.toString(16).toUpperCase().charCodeAt(0)] = digit;
}

// Decoded bytes land here and the Fingerprint constructor copies them, so a
// parse allocates one typed array instead of two. In Deno 2.9.6 one
// `new Uint8Array(32)` takes about 0.2 µs, a third of the whole parse.
const SCRATCH = new Uint8Array(64);

// Value of each standard base64 character by character code.
const BASE64_VALUES = new Int8Array(128).fill(-1);
[..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"]
  .forEach((char, value) => {
    BASE64_VALUES[char.charCodeAt(0)] = value;
  });

const ALGORITHM_OF_LENGTH = new Map<number, HashAlgorithm>(
  (Object.entries(DIGEST_LENGTHS) as [HashAlgorithm, number][]).map((
    [algorithm, length],
  ) => [length, algorithm]),
);

/**
 * Parses the text when it is exactly one of the common forms, and returns
 * undefined for anything else, errors included, so the general parser
 * handles those. A property test checks that both give the same result.
 */
export function parseCommonForm(text: string): Fingerprint | undefined {
  if (text.startsWith("sha256/")) return parseBase64Pin(text.slice(7));

  let hex = text;
  let labeled: HashAlgorithm | undefined;
  const equals = text.indexOf("=");
  if (equals !== -1) {
    const label = OPENSSL_LABEL.exec(text.slice(0, equals + 1));
    if (label === null) return undefined;
    labeled = `SHA-${label[1]}` as HashAlgorithm;
    hex = text.slice(equals + 1);
  }

  const bytes = decodeHex(hex);
  if (bytes === undefined) return undefined;
  const algorithm = ALGORITHM_OF_LENGTH.get(bytes.length);
  if (algorithm === undefined) return undefined;
  if (labeled !== undefined && labeled !== algorithm) return undefined;
  return new Fingerprint("certificate", algorithm, bytes);
}

// Decodes `AB:CD:…` or `abcd…`; undefined for any other shape.
function decodeHex(text: string): Uint8Array | undefined {
  const colons = text.length % 3 === 2 && text.charCodeAt(2) === 0x3a;
  const step = colons ? 3 : 2;
  if (!colons && text.length % 2 !== 0) return undefined;

  const length = Math.floor((text.length + 1) / step);
  if (length > SCRATCH.length) return undefined;
  const bytes = SCRATCH.subarray(0, length);
  for (let index = 0; index < length; index++) {
    const at = index * step;
    const high = HEX_VALUES[text.charCodeAt(at)] ?? -1;
    const low = HEX_VALUES[text.charCodeAt(at + 1)] ?? -1;
    if (high < 0 || low < 0) return undefined;
    if (colons && at + 2 < text.length && text.charCodeAt(at + 2) !== 0x3a) {
      return undefined;
    }
    bytes[index] = high * 16 + low;
  }
  return bytes;
}

// Decodes the 44 characters of a padded SHA-256 in standard base64; the last
// character before "=" must leave its two spare bits zero, as the general
// parser requires.
function parseBase64Pin(text: string): Fingerprint | undefined {
  if (!BASE64_PIN.test(text)) return undefined;
  const bytes = SCRATCH.subarray(0, 32);
  let bits = 0;
  let count = 0;
  let written = 0;
  for (let index = 0; index < 43; index++) {
    // Only the last 13 bits are ever read, so older ones are masked off.
    bits = ((bits << 6) | (BASE64_VALUES[text.charCodeAt(index)] ?? 0)) &
      0x3fff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes[written++] = (bits >> count) & 0xff;
    }
  }
  if ((bits & ((1 << count) - 1)) !== 0) return undefined;
  return new Fingerprint("public-key", "SHA-256", bytes);
}
