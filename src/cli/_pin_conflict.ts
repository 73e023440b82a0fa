// The message `certpin pin` prints when a target already has a different
// pin: the stored certificate and the server's, side by side.

import type { PinStoreEntry } from "../store.ts";
import type { CertificateSummary } from "../types.ts";
import { formatDay } from "./_store_options.ts";

/**
 * Formats the rejection of a second, different pin for a target, with
 * the stored and the presented certificate side by side and the command
 * that replaces the pin.
 */
export function formatConflict(
  name: string,
  stored: PinStoreEntry,
  presented: CertificateSummary,
  expectMatched: boolean,
): string {
  // The newest record with a certificate describes what was pinned last.
  const last = [...stored.pins].reverse().find((record) =>
    record.certificate !== undefined
  );
  const before = last?.certificate;
  const notRecorded = "(not recorded)";
  const rows: [string, string, string][] = [
    ["", "pinned", "server now"],
    ["subject", before?.subject ?? notRecorded, presented.subject],
    [
      "valid from",
      before === undefined ? notRecorded : formatDay(before.validFrom),
      formatDay(presented.validFrom),
    ],
    [
      "valid to",
      before === undefined ? notRecorded : formatDay(before.validTo),
      formatDay(presented.validTo),
    ],
    [
      "pinned on",
      stored.pins.map((record) => formatDay(record.added)).join(", "),
      "",
    ],
  ];
  const labelWidth = Math.max(...rows.map((row) => row[0].length));
  const oldWidth = Math.max(...rows.map((row) => row[1].length));
  const table = rows.map(([label, old, now]) =>
    `  ${label.padEnd(labelWidth)}  ${old.padEnd(oldWidth)}  ${now}`.trimEnd()
  );

  const pinned = stored.pins.map((record, index) =>
    `  ${index === 0 ? "pinned:    " : "           "} ${record.pin.text}`
  );
  const fingerprints = presented.fingerprints;
  const command = `certpin pin ${name} --expect FINGERPRINT --replace`;
  return [
    `certpin: The certificate of ${name} does not match the pin stored for it, so nothing was stored.`,
    ...table,
    ...pinned,
    `  server now: SHA-256:${fingerprints.sha256}`,
    `              SHA-1:${fingerprints.sha1}`,
    `              ${fingerprints.publicKeyPin}`,
    expectMatched
      ? `The certificate matches --expect. If it was renewed on purpose, add --replace to replace the stored pin (or --add to keep both).`
      : `If the certificate was renewed on purpose, read the new fingerprint on the server itself (Check Point: \`api fingerprint\`) and run:\n  ${command}`,
    "Otherwise treat the connection as intercepted and do not send credentials.",
    "",
  ].join("\n");
}
