/**
 * `certpin verify <target> <pin>...`: connects with the pins and reports
 * whether the server's certificate matches one of them, with an exit code
 * for scripts.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import {
  formatHostPort,
  InvalidFingerprintError,
  PinMismatchError,
} from "../errors.ts";
import type { Fingerprint } from "../fingerprint.ts";
import { matchPins } from "../match.ts";
import { parseFingerprint, parseFingerprints, parseWords } from "../parse.ts";
import {
  closeSocket,
  DEFAULT_TIMEOUT,
  peerCertificateDer,
} from "../connect.ts";
import { connectPinned } from "../pinned_socket.ts";
import {
  certificateDer,
  describeCertificate,
  readPemCertificates,
} from "../certificate.ts";
import { parseTarget } from "../target.ts";
import {
  type CliIo,
  type Command,
  describeFileError,
  EXIT,
  parseCommandArgs,
  parseIntegerOption,
  UsageError,
} from "./_common.ts";
import { certificateJson, formatCertificate } from "./_print.ts";

const HELP = `Usage: certpin verify <target> <pin>... [options]

Connects to the target (host, host:port, [IPv6]:port or https:// URL; port
443 unless given) and checks that its certificate matches one of the pins.
The check happens during the TLS handshake on a pinned connection, which is
then closed without sending a request.

A pin is a certificate fingerprint in any common form (colon or plain hex,
OpenSSL's "SHA256 Fingerprint=..." line, "sha256:HEX"; SHA-1, SHA-256,
SHA-384 or SHA-512) or a public-key pin "sha256/BASE64".

Options:
  --pins-file FILE   Read more pins from FILE: one per line, a Check Point
                     "api fingerprint" output (text or JSON), or any text
                     the pin parser reads; may be repeated
  --words "WORDS"    The twelve English words Check Point's management
                     console shows for the SHA-1 fingerprint; may be
                     repeated. They encode only the first 128 of its 160
                     bits (RFC 1751) and are meant for reading aloud and
                     comparing with the console; scripts should pin the
                     SHA-256 fingerprint instead
  --ca FILE          Also require a certificate chain to a CA in FILE (PEM)
                     and a certificate that names the host (or the
                     --servername); a certificate that fails either check
                     exits with 1
  --servername NAME  Server name sent in SNI; the host unless given
  --timeout MS       Milliseconds for DNS, TCP and the handshake together
                     (default ${DEFAULT_TIMEOUT})
  --json             Print the result as a JSON object
  -h, --help         Show this help

Exit codes: 0 the certificate matches, 1 it matches none of the pins or
fails the --ca check, 2 bad usage or an invalid pin, 3 network error or
timeout.

Examples:
  certpin verify 192.0.2.10 A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D
  certpin verify fw.example.com:4434 --pins-file fingerprint.txt
  certpin verify 192.0.2.10 --words "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN"
`;

/** The `verify` command. */
export const verifyCommand: Command = {
  name: "verify",
  summary: "Check that a server's certificate matches a pin (exit 0 or 1)",
  help: HELP,
  run: runVerify,
};

async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("verify", args, {
    "pins-file": { type: "string", multiple: true },
    words: { type: "string", multiple: true },
    ca: { type: "string" },
    servername: { type: "string" },
    timeout: { type: "string" },
    json: { type: "boolean" },
  });
  const [targetText, ...pinTexts] = positionals;
  if (targetText === undefined) {
    throw new UsageError(
      'Missing target: give a host, host:port or https:// URL, then one or more pins. Run "certpin verify --help" for usage.',
    );
  }
  const target = parseTarget(targetText);
  const pins: Fingerprint[] = [
    ...pinTexts.map((text) => parseFingerprint(text)),
    ...(values["pins-file"] ?? []).flatMap((path) => readPinsFile(path)),
    ...(values.words ?? []).map((text) => parseWords(text)),
  ];
  if (pins.length === 0) {
    throw new UsageError(
      'Missing pin: give a fingerprint after the target, --pins-file FILE or --words "WORDS". Run "certpin verify --help" for usage.',
    );
  }
  const timeout = parseIntegerOption(
    "timeout",
    values.timeout,
    DEFAULT_TIMEOUT,
    1,
    600_000,
  );
  const ca = values.ca === undefined ? undefined : readCaFile(values.ca);
  const name = formatHostPort(target.host, target.port);

  let der: Uint8Array;
  try {
    const socket = await connectPinned({
      host: target.host,
      port: target.port,
      pins,
      timeout,
      ...(values.servername === undefined
        ? {}
        : { servername: values.servername }),
      ...(ca === undefined ? {} : { verify: "pin+ca" as const, ca }),
      ...(io.lookup === undefined ? {} : { lookup: io.lookup }),
    });
    der = peerCertificateDer(socket, target.host, target.port);
    await closeSocket(socket);
  } catch (error) {
    if (!(error instanceof PinMismatchError) || values.json !== true) {
      throw error;
    }
    io.stdout(
      `${
        JSON.stringify(
          {
            target: name,
            match: false,
            expected: error.expected,
            certificate: certificateJson(error.certificate),
          },
          null,
          2,
        )
      }\n`,
    );
    return EXIT.mismatch;
  }

  const summary = describeCertificate(der);
  const matched = matchPins(der, pins);
  if (values.json === true) {
    io.stdout(
      `${
        JSON.stringify(
          {
            target: name,
            match: true,
            matchedPin: matched?.text,
            certificate: certificateJson(summary),
          },
          null,
          2,
        )
      }\n`,
    );
    return EXIT.ok;
  }
  io.stdout(
    `OK: the certificate of ${name} matches the pin ${matched?.text}.\n` +
      `${formatCertificate(summary)}\n`,
  );
  return EXIT.ok;
}

/**
 * Reads the pins of a file in any form `parseFingerprints` reads. Its
 * errors are prefixed with the file's name, since they name only the line.
 */
function readPinsFile(path: string): Fingerprint[] {
  const text = readText(path, "pins");
  if (text.trim() === "") {
    throw new UsageError(
      `Pins file "${path}" is empty: put one fingerprint or public-key pin on each line, or the output of Check Point's "api fingerprint".`,
    );
  }
  let pins: Fingerprint[];
  try {
    pins = parseFingerprints(text);
  } catch (error) {
    if (!(error instanceof InvalidFingerprintError)) throw error;
    throw new UsageError(`Invalid pins file "${path}": ${error.message}`);
  }
  if (pins.length === 0) {
    throw new UsageError(
      `Pins file "${path}" contains no fingerprint or public-key pin.`,
    );
  }
  return pins;
}

/**
 * Reads the CA certificates of `--ca`, which must be PEM. A file without a
 * certificate, such as a private key, would otherwise make every chain
 * look untrusted.
 */
function readCaFile(path: string): string {
  const text = readText(path, "CA");
  try {
    for (const der of readPemCertificates(text)) certificateDer(der);
  } catch {
    throw new UsageError(
      `The CA file "${path}" contains no valid PEM certificate (a "-----BEGIN CERTIFICATE-----" block). Give the CA certificate in PEM form.`,
    );
  }
  return text;
}

function readText(path: string, label: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      code === "ENOENT"
        ? `The ${label} file "${path}" was not found. Check the path.`
        : `Cannot read the ${label} file "${path}": ${
          describeFileError(error)
        }.`,
    );
  }
}
