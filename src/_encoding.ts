// Hex and base64 helpers on node:buffer, shared by the core modules.
import { Buffer } from "node:buffer";

/** Encodes bytes as uppercase hex with a colon between bytes: `AB:CD:EF`. */
export function toColonHex(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase().replace(/(..)(?!$)/g, "$1:");
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
