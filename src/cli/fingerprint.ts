/**
 * `certpin fingerprint <target | file>`: shows a certificate and its
 * fingerprints, read from a server over TLS or from a PEM or DER file.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Buffer } from "node:buffer";
import { extname } from "node:path";
import {
  certificateDer,
  describeCertificate,
  digest,
  readPemCertificates,
} from "../certificate.ts";
import { formatHostPort, InvalidCertificateError } from "../errors.ts";
import { getServerCertificate } from "../server_certificate.ts";
import { parseTarget } from "../target.ts";
import type { CertificateSummary, HashAlgorithm } from "../types.ts";
import { DEFAULT_TIMEOUT } from "../connect.ts";
import { toColonHex } from "../_encoding.ts";
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

const CERTIFICATE_EXTENSIONS = [".pem", ".der", ".crt", ".cer"];

// A URL is a target whatever its path: parseTarget rejects schemes other
// than https:// with a message that names the scheme.
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

const ALGORITHMS: Record<string, HashAlgorithm> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

const HELP = `Usage: certpin fingerprint <target | file> [options]

Shows a certificate: subject, issuer, validity with days left, alternative
names, whether it is self-signed, the SHA-256 and SHA-1 fingerprints, the
SHA-1 as the twelve English words Check Point's management console shows,
and the public-key pin.

The twelve words encode the first 128 of the SHA-1 fingerprint's 160 bits
(RFC 1751). They are meant for reading aloud and comparing with the console;
for scripts and stored pins, prefer the SHA-256 fingerprint or the public-key
pin.

The argument is read as a certificate file when --file is given, when it
ends in .pem, .der, .crt or .cer, when it contains "/" or "\\" and is not
a URL, or when it is "." or "..". Anything else is a target: host, host:port, [IPv6]:port or https://
URL, port 443 unless given. certpin does not check whether a file of that
name exists, so give such a file as ./NAME or with --file. For a target,
certpin makes a TLS handshake, reads the certificate and closes without
sending a request; it reads no file.

A certificate read over the network proves nothing by itself: compare its
fingerprint with the one shown on the server (Check Point: "api fingerprint")
before you pin it.

Options:
  --file             Read the argument as a certificate file (PEM or DER),
                     whatever its name
  --json             Print a JSON object for scripts
  --algorithm ALG    Print only the fingerprint with ALG (sha1, sha256,
                     sha384 or sha512), in colon hex
  --servername NAME  Server name sent in SNI; the host unless given
  --timeout MS       Milliseconds for DNS, TCP and the handshake together
                     (default ${DEFAULT_TIMEOUT})
  -h, --help         Show this help

Exit codes: 0 shown, 2 bad usage or unreadable file, 3 network error or
timeout.

Examples:
  certpin fingerprint 192.0.2.10
  certpin fingerprint https://fw.example.com:4434/ --json
  certpin fingerprint server.pem --algorithm sha1
  certpin fingerprint --file appliance-cert
`;

/** The `fingerprint` command. */
export const fingerprintCommand: Command = {
  name: "fingerprint",
  summary: "Show a server's or a file's certificate and its fingerprints",
  help: HELP,
  run: runFingerprint,
};

/** The origin of the certificates, a server or a file, for the heading and the JSON. */
type Source =
  | { kind: "network"; host: string; port: number }
  | { kind: "file"; path: string };

async function runFingerprint(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("fingerprint", args, {
    file: { type: "boolean" },
    json: { type: "boolean" },
    algorithm: { type: "string" },
    servername: { type: "string" },
    timeout: { type: "string" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `Expected one target or certificate file, such as "192.0.2.10:443" or "server.pem", but got ${positionals.length}. Run "certpin fingerprint --help" for usage.`,
    );
  }
  const argument = positionals[0] ?? "";
  const algorithm = parseAlgorithm(values.algorithm);
  const timeout = parseIntegerOption(
    "timeout",
    values.timeout,
    DEFAULT_TIMEOUT,
    1,
    600_000,
  );

  let source: Source;
  let certificates: Uint8Array[];
  if (values.file === true || isCertificateFileName(argument)) {
    source = { kind: "file", path: argument };
    certificates = readCertificateFile(argument);
  } else {
    const target = parseTarget(argument);
    const result = await getServerCertificate(target, {
      timeout,
      ...(values.servername === undefined
        ? {}
        : { servername: values.servername }),
      ...(io.lookup === undefined ? {} : { lookup: io.lookup }),
    });
    source = { kind: "network", host: result.host, port: result.port };
    certificates = [result.der];
  }
  const summaries = certificates.map((der) => describeCertificate(der));

  if (algorithm !== undefined) {
    const fingerprints = certificates.map((der) =>
      toColonHex(digest(algorithm, der))
    );
    io.stdout(
      values.json === true
        ? `${JSON.stringify({ algorithm, fingerprints }, null, 2)}\n`
        : `${fingerprints.join("\n")}\n`,
    );
    return EXIT.ok;
  }
  if (values.json === true) {
    io.stdout(`${JSON.stringify(sourceJson(source, summaries), null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout(formatSource(source, summaries));
  return EXIT.ok;
}

function parseAlgorithm(value: string | undefined): HashAlgorithm | undefined {
  if (value === undefined) return undefined;
  const algorithm = ALGORITHMS[value.toLowerCase().replace("-", "")];
  if (algorithm === undefined) {
    throw new UsageError(
      `Invalid value "${value}" for --algorithm: expected sha1, sha256, sha384 or sha512.`,
    );
  }
  return algorithm;
}

/**
 * Decides from the name alone whether the argument is a certificate file:
 * it has a certificate file extension, or it is a path (contains a path
 * separator) but not a URL. The file system is not consulted, so reading a
 * server's certificate needs no read permission in Deno.
 */
function isCertificateFileName(argument: string): boolean {
  const name = argument.trim();
  if (URL_SCHEME.test(name)) return false;
  // The current and parent folders, never a host name.
  if (name === "." || name === "..") return true;
  if (CERTIFICATE_EXTENSIONS.includes(extname(name).toLowerCase())) {
    return true;
  }
  return name.includes("/") || name.includes("\\");
}

/** Reads every certificate of a PEM file, or the one of a DER file. */
function readCertificateFile(path: string): Uint8Array[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      code === "ENOENT"
        ? `Certificate file "${path}" not found. Check the path, or, for a server, give host or host:port without a file extension or "/".`
        : `Cannot read certificate file "${path}": ${
          describeFileError(error)
        }.`,
    );
  }
  if (bytes.length === 0) {
    throw new UsageError(
      `Certificate file "${path}" is empty. Give a PEM or DER certificate file.`,
    );
  }
  const text = bytes.toString("latin1");
  try {
    if (text.includes("-----BEGIN")) {
      return readPemCertificates(text).map((der) => certificateDer(der));
    }
    return [certificateDer(new Uint8Array(bytes))];
  } catch (error) {
    if (!(error instanceof InvalidCertificateError)) throw error;
    throw new UsageError(
      `File "${path}" is not a certificate file: ${error.message}`,
    );
  }
}

function formatSource(source: Source, summaries: CertificateSummary[]): string {
  const where = source.kind === "network"
    ? `server ${formatHostPort(source.host, source.port)}`
    : `file ${source.path}`;
  const parts = summaries.map((summary, index) => {
    const heading = summaries.length === 1
      ? `Certificate of ${where}`
      : `Certificate ${index + 1} of ${summaries.length} in ${where}`;
    return `${heading}:\n${formatCertificate(summary)}\n`;
  });
  const note = source.kind === "network"
    ? "\nThis certificate was read over the network and is not yet trusted.\n" +
      "Compare a fingerprint above with the one shown on the server itself\n" +
      '(Check Point: "api fingerprint") before you pin it.\n'
    : "";
  return parts.join("\n") + note;
}

function sourceJson(
  source: Source,
  summaries: CertificateSummary[],
): Record<string, unknown> {
  return {
    source: source.kind,
    ...(source.kind === "network"
      ? {
        target: formatHostPort(source.host, source.port),
        host: source.host,
        port: source.port,
      }
      : { file: source.path }),
    certificates: summaries.map(certificateJson),
  };
}
