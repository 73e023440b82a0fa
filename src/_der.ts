// A structural check of DER bytes against the outline of an X.509
// certificate (RFC 5280, section 4.1), for callers that only hash the bytes
// and need not parse every field.

/** One DER element: its tag and where its contents start and end. */
interface Element {
  tag: number;
  start: number;
  end: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const VERSION = 0xa0; // [0] EXPLICIT
const ISSUER_UNIQUE_ID = 0x81; // [1] IMPLICIT
const SUBJECT_UNIQUE_ID = 0x82; // [2] IMPLICIT
const EXTENSIONS = 0xa3; // [3] EXPLICIT

/**
 * Returns true when the bytes have the outline of a DER certificate: one
 * SEQUENCE spanning every byte, holding tbsCertificate, signatureAlgorithm
 * and signatureValue, with tbsCertificate's fields in order. Private keys,
 * CSRs, CRLs and truncated files fail this check. Field contents (names,
 * times, keys) are not read, so a full parser may still reject bytes that
 * pass.
 */
export function hasCertificateOutline(bytes: Uint8Array): boolean {
  const certificate = readElement(bytes, 0, bytes.length);
  if (certificate?.tag !== SEQUENCE || certificate.end !== bytes.length) {
    return false;
  }
  const tbs = readElement(bytes, certificate.start, certificate.end);
  if (tbs?.tag !== SEQUENCE) return false;
  const algorithm = readElement(bytes, tbs.end, certificate.end);
  if (algorithm?.tag !== SEQUENCE) return false;
  const signature = readElement(bytes, algorithm.end, certificate.end);
  if (signature?.tag !== BIT_STRING || signature.end !== certificate.end) {
    return false;
  }
  return hasTbsOutline(bytes, tbs);
}

// version, serialNumber, signature, issuer, validity, subject,
// subjectPublicKeyInfo, then the optional unique IDs and extensions.
function hasTbsOutline(bytes: Uint8Array, tbs: Element): boolean {
  let offset = tbs.start;
  const next = (): Element | undefined =>
    offset < tbs.end ? readElement(bytes, offset, tbs.end) : undefined;

  let field = next();
  if (field?.tag === VERSION) {
    offset = field.end;
    field = next();
  }
  for (
    const tag of [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE]
  ) {
    if (field?.tag !== tag) return false;
    offset = field.end;
    field = next();
  }
  for (const tag of [ISSUER_UNIQUE_ID, SUBJECT_UNIQUE_ID, EXTENSIONS]) {
    if (field?.tag !== tag) continue;
    offset = field.end;
    field = next();
  }
  return field === undefined && offset === tbs.end;
}

// Reads the tag and length at `offset`. Returns undefined for a multi-byte
// tag, an indefinite length (not allowed in DER), or contents past `limit`.
function readElement(
  bytes: Uint8Array,
  offset: number,
  limit: number,
): Element | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = bytes[offset + 1] as number;
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let index = 0; index < count; index++) {
      length = length * 256 + (bytes[start + index] as number);
    }
    start += count;
  }
  const end = start + length;
  return end <= limit ? { tag, start, end } : undefined;
}
