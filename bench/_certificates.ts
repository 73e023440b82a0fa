/**
 * Certificates of a chosen size for the benchmarks, made with the tests'
 * certificate generator. Subject alternative names pad a certificate to the
 * size of a real server's: an RSA one of about 2 KB and an EC one of about
 * 1 KB.
 *
 * @module
 */

import {
  generateCertificate,
  type GeneratedCertificate,
} from "../tests/helpers/certificates.ts";

/** Length in bytes of each padding name, `service-000.certpin.test`. */
const NAME_LENGTH = "service-000.certpin.test".length;

/** DER bytes one subject alternative name of {@linkcode NAME_LENGTH} adds: tag, length, name. */
const BYTES_PER_NAME = NAME_LENGTH + 2;

/**
 * Generates a certificate whose DER encoding is close to `targetBytes`
 * (within one padding name), with 127.0.0.1 among its alternative names so
 * that servers on the loopback address can present it.
 *
 * @param keyType `rsa` (2048 bits) or `ec` (P-256).
 * @param targetBytes Wanted DER length.
 * @returns The certificate, key and fingerprints.
 */
export async function sizedCertificate(
  keyType: "rsa" | "ec",
  targetBytes: number,
): Promise<GeneratedCertificate> {
  const bare = await generateCertificate({
    keyType,
    altNames: ["127.0.0.1"],
  });
  const missing = targetBytes - bare.der.length;
  if (missing < BYTES_PER_NAME) return bare;

  const count = Math.round(missing / BYTES_PER_NAME);
  const names = Array.from(
    { length: count },
    (_, index) => `service-${String(index).padStart(3, "0")}.certpin.test`,
  );
  return await generateCertificate({
    keyType,
    altNames: ["127.0.0.1", ...names],
  });
}
