/**
 * `certpin check`: connects to every target in the pin store, several at a
 * time, and reports which certificates still match their pins, which
 * changed, which expire soon and which servers could not be reached.
 *
 * @module
 */

import { existsSync } from "node:fs";
import {
  CertpinError,
  ConnectionError,
  formatHostPort,
  PinStoreError,
} from "../errors.ts";
import { matchPins } from "../match.ts";
import { getServerCertificate } from "../server_certificate.ts";
import type { PinStoreEntry } from "../store.ts";
import type { CertificateSummary } from "../types.ts";
import {
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

/** The state of one target after the check. */
export type CheckStatus =
  | "ok"
  | "expiring"
  | "expired"
  | "changed"
  | "unreachable";

/** The outcome of checking one target. */
export interface CheckResult {
  /** The target as `host:port`. */
  target: string;
  /** The finding: ok, expiring, expired, changed or unreachable. */
  status: CheckStatus;
  /** The stored pins, in canonical text form. */
  pinned: string[];
  /** The certificate the server presented, when it could be read. */
  certificate?: CertificateSummary;
  /** The reason the server could not be reached, for `unreachable`. */
  error?: { kind: string; message: string };
}

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_WARN_DAYS = 30;
const DEFAULT_TIMEOUT_MS = 10_000;

const HELP = `Usage: certpin check [options]

Connects to every server in the pin store, several at a time, and reports for
each: ok, changed (its certificate matches none of the stored pins), expiring
(within --warn-days), expired, or unreachable (with the reason). No request is
sent to any server; only the TLS handshake is made.

Options:
${STORE_HELP.join("\n")}
  --concurrency N    Servers checked at the same time (default ${DEFAULT_CONCURRENCY})
  --warn-days D      Report certificates that expire within D days (default ${DEFAULT_WARN_DAYS})
  --timeout MS       Milliseconds per server for DNS, TCP and the handshake
                     together (default ${DEFAULT_TIMEOUT_MS})
  --json             Print one JSON document, for monitoring
  -h, --help         Show this help

Exit codes: 0 every certificate matches (expiring ones included) or the store
exists but has no pins, 1 any changed or expired, 3 only network errors, 2 bad
usage or a missing or invalid store file.
`;

/** The `check` command. */
export const checkCommand: Command = {
  name: "check",
  summary:
    "Check every server in the pin store: changed, expiring, unreachable",
  help: HELP,
  run: runCheck,
};

async function runCheck(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("check", args, {
    ...STORE_OPTION,
    concurrency: { type: "string" },
    "warn-days": { type: "string" },
    timeout: { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${
        positionals[0]
      }": certpin check takes its servers from the pin store. Run "certpin check --help" for usage.`,
    );
  }
  const concurrency = parseIntegerOption(
    "concurrency",
    values.concurrency,
    DEFAULT_CONCURRENCY,
    1,
    1024,
  );
  const warnDays = parseIntegerOption(
    "warn-days",
    values["warn-days"],
    DEFAULT_WARN_DAYS,
    0,
    3650,
  );
  const timeout = parseIntegerOption(
    "timeout",
    values.timeout,
    DEFAULT_TIMEOUT_MS,
    1,
    600_000,
  );

  const store = openStore(values.store, io);
  // A mistyped --store or CERTPIN_STORE must not pass as a healthy check.
  if (!existsSync(store.path)) {
    const storeOption = /\s/.test(store.path) ? `"${store.path}"` : store.path;
    throw new PinStoreError(
      `Pin store ${store.path} (${
        storeSource(values.store, io)
      }) does not exist, so no server was checked. Correct the path, or create the store by pinning a server: certpin pin HOST --expect FINGERPRINT --store ${storeOption}`,
      store.path,
    );
  }
  const entries = await store.entries();
  if (entries.length === 0) {
    io.stderr(
      `No pins in ${store.path}, so there is nothing to check. Add a server with "certpin pin HOST --expect FINGERPRINT".\n`,
    );
  }

  const progress = io.stderrIsTerminal && values.json !== true
    ? (done: number) =>
      io.stderr(
        `\rChecked ${done} of ${formatCount(entries.length, "server")}`,
      )
    : undefined;
  const results = await mapConcurrently(
    entries,
    concurrency,
    (entry) => checkEntry(entry, timeout, warnDays),
    progress,
  );
  if (progress !== undefined && entries.length > 0) io.stderr("\r\x1b[K");

  if (values.json === true) {
    io.stdout(JSON.stringify(toJson(store.path, results), null, 2) + "\n");
  } else if (results.length > 0) {
    io.stdout(formatTable(results, warnDays));
  }
  return exitCode(results);
}

/** Names where the store path came from, for the message of a missing store. */
function storeSource(flag: string | undefined, io: CliIo): string {
  if (flag !== undefined && flag !== "") return "the path given by --store";
  const fromEnv = io.env.CERTPIN_STORE;
  if (fromEnv !== undefined && fromEnv !== "") {
    return "the path in CERTPIN_STORE";
  }
  return "the default path";
}

async function checkEntry(
  entry: PinStoreEntry,
  timeout: number,
  warnDays: number,
): Promise<CheckResult> {
  const target = formatHostPort(entry.host, entry.port);
  const pinned = entry.pins.map((record) => record.pin.text);
  let der: Uint8Array;
  let certificate: CertificateSummary;
  try {
    ({ der, summary: certificate } = await getServerCertificate(
      { host: entry.host, port: entry.port },
      { timeout },
    ));
  } catch (error) {
    // One server sending garbage must not stop the check of the others, so
    // every certpin error counts as unreachable, with its kind or code.
    if (!(error instanceof CertpinError)) throw error;
    const kind = error instanceof ConnectionError
      ? error.kind
      : error.code.toLowerCase();
    return {
      target,
      status: "unreachable",
      pinned,
      error: { kind, message: error.message },
    };
  }

  const matched = matchPins(der, entry.pins.map((record) => record.pin));
  const status: CheckStatus = matched === undefined
    ? "changed"
    : certificate.daysLeft < 0
    ? "expired"
    : certificate.daysLeft <= warnDays
    ? "expiring"
    : "ok";
  return { target, status, pinned, certificate };
}

/** Runs `task` on every item with at most `limit` running at once, keeping order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
  onProgress?: (done: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
      done++;
      onProgress?.(done);
    }
  };
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    worker,
  );
  await Promise.all(workers);
  return results;
}

function exitCode(results: readonly CheckResult[]): number {
  const statuses = new Set(results.map((result) => result.status));
  if (statuses.has("changed") || statuses.has("expired")) return EXIT.mismatch;
  if (statuses.has("unreachable")) return EXIT.network;
  return EXIT.ok;
}

function formatTable(
  results: readonly CheckResult[],
  warnDays: number,
): string {
  const width = Math.max(6, ...results.map((result) => result.target.length));
  const lines = [`${"TARGET".padEnd(width)}  ${"STATUS".padEnd(11)}  DETAIL`];
  for (const result of results) {
    const [detail, ...more] = describeResult(result, warnDays);
    lines.push(
      `${result.target.padEnd(width)}  ${result.status.padEnd(11)}  ${detail}`,
    );
    for (const line of more) lines.push(`${" ".repeat(width + 15)}${line}`);
  }
  lines.push("", summarize(results));
  return lines.join("\n") + "\n";
}

function describeResult(result: CheckResult, warnDays: number): string[] {
  const certificate = result.certificate;
  // The message names what failed; the kind is in the JSON output.
  if (result.error !== undefined) return [firstLine(result.error.message)];
  if (certificate === undefined) return [""];
  const expiry = `expires ${formatDay(certificate.validTo)}`;
  switch (result.status) {
    case "changed":
      return [
        "the certificate matches no stored pin",
        ...result.pinned.map((pin) => `pinned: ${pin}`),
        `now:    SHA-256:${certificate.fingerprints.sha256}`,
        `        ${certificate.fingerprints.publicKeyPin}`,
        `        subject ${certificate.subject}, ${expiry}`,
      ];
    case "expired":
      return [
        `expired ${formatDay(certificate.validTo)} (${
          formatCount(-certificate.daysLeft, "day")
        } ago)`,
      ];
    case "expiring":
      return [
        `${expiry}, in ${
          formatCount(certificate.daysLeft, "day")
        } (warning at ${warnDays})`,
      ];
    default:
      return [`${expiry} (${formatCount(certificate.daysLeft, "day")} left)`];
  }
}

function summarize(results: readonly CheckResult[]): string {
  const counts = countStatuses(results);
  const parts = (Object.entries(counts) as [CheckStatus, number][])
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`);
  return `${formatCount(results.length, "server")}: ${parts.join(", ")}`;
}

function countStatuses(
  results: readonly CheckResult[],
): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = {
    ok: 0,
    expiring: 0,
    expired: 0,
    changed: 0,
    unreachable: 0,
  };
  for (const result of results) counts[result.status]++;
  return counts;
}

function toJson(storePath: string, results: readonly CheckResult[]): unknown {
  return {
    store: storePath,
    summary: countStatuses(results),
    results: results.map((result) => ({
      target: result.target,
      status: result.status,
      pinned: result.pinned,
      ...(result.certificate === undefined ? {} : {
        certificate: {
          subject: result.certificate.subject,
          validFrom: result.certificate.validFrom.toISOString(),
          validTo: result.certificate.validTo.toISOString(),
          daysLeft: result.certificate.daysLeft,
          sha256: result.certificate.fingerprints.sha256,
          sha1: result.certificate.fingerprints.sha1,
          publicKeyPin: result.certificate.fingerprints.publicKeyPin,
        },
      }),
      ...(result.error === undefined ? {} : { error: result.error }),
    })),
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}
