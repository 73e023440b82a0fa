/**
 * `certpin pin <target>`: trust on first use. Reads the server's
 * certificate, shows it, and stores its fingerprint in the pin store once
 * the user confirmed it: by `--expect` with the fingerprint read on the
 * server (the safe way), by answering the prompt, or by `--yes`.
 *
 * @module
 */

import { formatHostPort, PinMismatchError } from "../errors.ts";
import { matchPins, verifyCertificate } from "../match.ts";
import type { Fingerprint } from "../fingerprint.ts";
import { parseFingerprint } from "../parse.ts";
import { getServerCertificate } from "../server_certificate.ts";
import type { PinConflictAction, PinRecord, PinStoreEntry } from "../store.ts";
import { parseTarget } from "../target.ts";
import type { CertificateSummary } from "../types.ts";
import {
  askYesNo,
  type CliIo,
  type Command,
  EXIT,
  parseCommandArgs,
  parseIntegerOption,
  UsageError,
} from "./_common.ts";
import {
  formatCount,
  formatDay,
  openStore,
  STORE_HELP,
  STORE_OPTION,
} from "./_store_options.ts";
import { formatConflict } from "./_pin_conflict.ts";
import { formatCertificate } from "./_print.ts";

const DEFAULT_TIMEOUT_MS = 10_000;

const HELP = `Usage: certpin pin <target> [options]

Trust on first use: connects to the target (host, host:port, [IPv6]:port or
https:// URL; port 443 unless given), shows its certificate, and stores the
certificate's SHA-256 fingerprint in the pin store. Scripts and
"certpin check" then use the stored pin.

Reading a certificate over the network does not prove whose it is. Read the
fingerprint on the server itself (Check Point: "api fingerprint") and give it
with --expect: certpin then stores the pin only if the server's certificate
matches it.

Without --expect, certpin asks "Trust this certificate?" when standard input
is a terminal; in scripts, --yes answers yes. Without a terminal, --expect or
--yes nothing is stored.

An expired certificate is shown with a warning and can still be stored the
same way, because appliances do run with expired certificates: pinned
connections accept it, and "certpin check" reports it as expired.

Options:
  --expect PIN       Store only if the certificate matches PIN (fingerprint in
                     any common form, or sha256/BASE64); may be repeated
  --yes              Store without asking
  --replace          Keep only this certificate's pin for the target: every
                     other stored pin is removed (and listed)
  --add              Keep the stored pins and add this one (planned renewal)
  --public-key       Store the public-key pin (sha256/BASE64), which survives
                     a renewal with the same key, instead of the fingerprint
  --servername NAME  Server name sent in SNI; the host unless given
  --timeout MS       Milliseconds for DNS, TCP and the handshake together
                     (default ${DEFAULT_TIMEOUT_MS})
${STORE_HELP.join("\n")}
  -h, --help         Show this help

Exit codes: 0 stored or already stored, 1 the certificate does not match
--expect or a different pin is stored or the prompt was declined, 2 bad usage
or no confirmation possible, 3 network error.
`;

/** The `pin` command. */
export const pinCommand: Command = {
  name: "pin",
  summary: "Trust on first use: store a server's certificate fingerprint",
  help: HELP,
  run: runPin,
};

async function runPin(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("pin", args, {
    ...STORE_OPTION,
    expect: { type: "string", multiple: true },
    yes: { type: "boolean" },
    replace: { type: "boolean" },
    add: { type: "boolean" },
    "public-key": { type: "boolean" },
    servername: { type: "string" },
    timeout: { type: "string" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `Expected one target, such as "fw.example.com" or "192.0.2.10:443", but got ${positionals.length}. Run "certpin pin --help" for usage.`,
    );
  }
  if (values.replace === true && values.add === true) {
    throw new UsageError(
      'Give --replace or --add, not both. Run "certpin pin --help" for usage.',
    );
  }
  const target = parseTarget(positionals[0] ?? "");
  const expected = (values.expect ?? []).map((text) => parseFingerprint(text));
  const timeout = parseIntegerOption(
    "timeout",
    values.timeout,
    DEFAULT_TIMEOUT_MS,
    1,
    600_000,
  );
  const onConflict: PinConflictAction = values.replace === true
    ? "replace"
    : values.add === true
    ? "append"
    : "reject";
  const name = formatHostPort(target.host, target.port);

  const store = openStore(values.store, io);
  const stored = await store.get(target.host, target.port);
  const { der, summary } = await getServerCertificate(target, {
    timeout,
    ...(values.servername === undefined
      ? {}
      : { servername: values.servername }),
  });
  io.stdout(`Certificate of ${name}:\n${formatCertificate(summary)}\n`);

  if (expected.length > 0) {
    try {
      verifyCertificate(der, expected, target);
    } catch (error) {
      if (!(error instanceof PinMismatchError)) throw error;
      io.stderr(`certpin: ${error.message}\nNothing was stored.\n`);
      return EXIT.mismatch;
    }
  }
  const pin = parseFingerprint(
    values["public-key"] === true
      ? summary.fingerprints.publicKeyPin
      : `SHA-256:${summary.fingerprints.sha256}`,
  );
  if (stored !== undefined && isAlreadyPinned(der, stored, pin, onConflict)) {
    io.stdout(alreadyPinnedMessage(name, store.path, der, stored));
    return EXIT.ok;
  }
  if (stored !== undefined && onConflict === "reject") {
    io.stderr(formatConflict(name, stored, summary, expected.length > 0));
    return EXIT.mismatch;
  }

  if (summary.daysLeft < 0) io.stderr(expiredWarning(name, summary));
  const confirmation = await confirm(
    io,
    name,
    expected.length > 0,
    values.yes === true,
  );
  if (typeof confirmation === "number") return confirmation;

  const record: PinRecord = {
    pin,
    added: new Date(),
    addedBy: `certpin pin ${confirmation}`,
    certificate: pinnedCertificate(summary),
  };
  const result = await store.addPin(
    target.host,
    target.port,
    record,
    onConflict,
  );
  return report(
    io,
    name,
    store.path,
    record,
    result.status,
    result.previous,
    summary,
  );
}

/**
 * Decides whether the store already contains what the command would store,
 * so nothing needs confirming. For `--replace` that is the pin as the
 * target's only pin, and otherwise any stored pin matching the certificate.
 */
function isAlreadyPinned(
  der: Uint8Array,
  stored: PinStoreEntry,
  pin: Fingerprint,
  onConflict: PinConflictAction,
): boolean {
  const pins = stored.pins.map((record) => record.pin);
  if (onConflict === "replace") {
    return pins.length === 1 && pins[0]?.equals(pin) === true;
  }
  return matchPins(der, pins) !== undefined;
}

/**
 * Formats the message for a certificate that a stored pin already matches,
 * naming the other pins the target still accepts and how to drop them.
 */
function alreadyPinnedMessage(
  name: string,
  storePath: string,
  der: Uint8Array,
  stored: PinStoreEntry,
): string {
  const others = stored.pins.filter((record) =>
    matchPins(der, [record.pin]) === undefined
  );
  const lines = [
    `${name} is already pinned to this certificate in ${storePath}.`,
  ];
  if (others.length > 0) {
    lines.push(
      `Also stored for ${name}, and not matching this certificate:`,
      ...others.map((record) => `  ${record.pin.text}`),
      `To keep only this certificate's pin, add --replace.`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Formats the warning shown before an expired certificate is stored. It is
 * still stored once confirmed, because appliances do run with expired
 * certificates and a pinned connection checks only the pin.
 */
function expiredWarning(name: string, summary: CertificateSummary): string {
  return [
    `certpin: Warning: the certificate of ${name} expired on ${
      formatDay(summary.validTo)
    }, ${formatCount(-summary.daysLeft, "day")} ago.`,
    "Pinned connections accept it all the same, because they check the pin and",
    'not the dates (unless a CA chain is also required, as by "verify --ca"), but',
    '"certpin check" reports it as expired (exit code 1) until the server has a',
    "new certificate. It is stored only when confirmed, as any certificate is.",
    "",
  ].join("\n");
}

/**
 * Returns how the user confirmed the certificate, or the exit code when the
 * certificate must not be stored.
 */
async function confirm(
  io: CliIo,
  name: string,
  matchedExpected: boolean,
  yes: boolean,
): Promise<string | number> {
  if (matchedExpected) return "--expect";
  if (yes) return "--yes";
  if (!io.stdinIsTerminal) {
    io.stderr(
      "certpin: Nothing was stored, because the certificate was not confirmed. " +
        "Compare the fingerprints above with the ones shown on the server itself (Check Point: `api fingerprint`), " +
        `then run "certpin pin ${name} --expect FINGERPRINT", or add --yes if you accept the certificate unseen.\n`,
    );
    return EXIT.usage;
  }
  const trusted = await askYesNo(
    io,
    `Compare these fingerprints with the ones shown on the server itself.\nTrust this certificate for ${name}? [y/N] `,
  );
  if (!trusted) {
    io.stderr("Not trusted, so nothing was stored.\n");
    return EXIT.mismatch;
  }
  return "(confirmed at the prompt)";
}

function report(
  io: CliIo,
  name: string,
  storePath: string,
  record: PinRecord,
  status: string,
  previous: PinStoreEntry | undefined,
  summary: CertificateSummary,
): number {
  switch (status) {
    case "already-pinned":
      io.stdout(
        `${name} is already pinned to this certificate in ${storePath}.\n`,
      );
      return EXIT.ok;
    case "conflict":
      // Another process stored a different pin after this one looked.
      if (previous !== undefined) {
        io.stderr(formatConflict(name, previous, summary, false));
      }
      return EXIT.mismatch;
    case "replaced": {
      const removed = (previous?.pins ?? []).filter((stored) =>
        !stored.pin.equals(record.pin)
      );
      io.stdout(
        [
          `Replaced the pins of ${name} in ${storePath}: ${record.pin.text} is now its only pin.`,
          `Removed ${formatCount(removed.length, "pin")}:`,
          ...removed.map((stored) => `  ${stored.pin.text}`),
          "",
        ].join("\n"),
      );
      return EXIT.ok;
    }
    case "appended":
      io.stdout(
        `Added ${record.pin.text} to the pins of ${name} in ${storePath}.\n`,
      );
      return EXIT.ok;
    default:
      io.stdout(`Pinned ${name} to ${record.pin.text} in ${storePath}.\n`);
      return EXIT.ok;
  }
}

function pinnedCertificate(
  summary: CertificateSummary,
): PinRecord["certificate"] & object {
  return {
    subject: summary.subject,
    validFrom: summary.validFrom,
    validTo: summary.validTo,
    sha256: summary.fingerprints.sha256,
    sha1: summary.fingerprints.sha1,
  };
}
