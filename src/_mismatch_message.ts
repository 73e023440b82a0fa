// The message of a PinMismatchError: the expected pins next to the
// certificate that was received, and what to do next.

import type { PinMismatchDetails } from "./errors.ts";
import { formatHostPort } from "./_host_port.ts";

/** Builds the message of a PinMismatchError from its details. */
export function describeMismatch(details: PinMismatchDetails): string {
  const { certificate } = details;
  const where = details.host === undefined
    ? "The certificate"
    : `The certificate of ${formatHostPort(details.host, details.port ?? 443)}`;
  const expected = details.expected.map((pin, index) =>
    `  ${index === 0 ? "expected:" : "         "} ${pin}`
  );
  const validFrom = certificate.validFrom.toISOString().slice(0, 10);
  const validTo = certificate.validTo.toISOString().slice(0, 10);
  return [
    `${where} ${
      details.expected.length === 1
        ? "does not match the pinned fingerprint"
        : `matches none of the ${details.expected.length} pinned fingerprints`
    }, so the connection was closed before any request was sent.`,
    ...expected,
    `  actual:   SHA-256 ${certificate.fingerprints.sha256}`,
    `            SHA-1   ${certificate.fingerprints.sha1}`,
    `            public-key pin ${certificate.fingerprints.publicKeyPin}`,
    `  subject:  ${certificate.subject}`,
    `  issuer:   ${certificate.issuer}`,
    `  valid:    ${validFrom} to ${validTo} (${certificate.daysLeft} days left)`,
    "Read the fingerprint on the server itself (Check Point: `api fingerprint`; any server: `openssl x509 -in server.pem -noout -fingerprint -sha256`) and compare.",
    "If the certificate was renewed on purpose, pin the new fingerprint; otherwise treat the connection as an attack and do not send credentials.",
  ].join("\n");
}
