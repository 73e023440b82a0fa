/**
 * Helpers every command shares: the I/O it writes to, argument parsing, exit
 * codes, and the one place that turns errors into messages and exit codes.
 *
 * @module
 */

import process from "node:process";
import { Buffer } from "node:buffer";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { LookupFunction } from "node:net";
import {
  CertpinError,
  ConnectionError,
  type ConnectionErrorKind,
  formatHostPort,
  InvalidCertificateError,
  InvalidFingerprintError,
  InvalidTargetError,
  PinMismatchError,
  PinStoreError,
  UnpinnedHostError,
} from "../errors.ts";
import type { Target } from "../target.ts";

/** Exit codes, the same for every command. */
export const EXIT = {
  /** The check passed. */
  ok: 0,
  /**
   * A certificate did not match its pin, failed the CA or name check of
   * `--ca`, or (for `check`) changed or expired.
   */
  mismatch: 1,
  /** Bad usage or invalid input, such as an unreadable fingerprint. */
  usage: 2,
  /** A network error or timeout. */
  network: 3,
} as const;

/** Streams and environment a command uses, so tests can replace them. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** True when standard input is a terminal, so prompts can be answered. */
  stdinIsTerminal: boolean;
  /** True when standard error is a terminal, so progress lines may be drawn. */
  stderrIsTerminal: boolean;
  /**
   * Reads one line from standard input, without its line break; resolves to
   * `undefined` at the end of input. Commands that prompt need it.
   */
  readLine?: () => Promise<string | undefined>;
  /**
   * Writes a prompt to standard error and reads one line from the terminal
   * without echoing it, for passwords. Resolves to `undefined` when the
   * user presses Ctrl-C, or Ctrl-D on an empty line.
   */
  readSecret?: (prompt: string) => Promise<string | undefined>;
  /** Reads standard input to its end, for `--data-file -`. */
  readInput?: () => Promise<Uint8Array>;
  /**
   * Resolves host names in place of the system resolver, with the
   * signature of `dns.lookup`; the system resolver unless given. Tests set
   * it so that no DNS query leaves the machine.
   */
  lookup?: LookupFunction;
}

/** A bad command line. The message states what is wrong and how to get help. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the command line.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One subcommand of the CLI. */
export interface Command {
  /** Name typed after `certpin`, such as `fingerprint`. */
  name: string;
  /** One line for the command list in `certpin --help`. */
  summary: string;
  /** Full help text printed by `certpin NAME --help`. */
  help: string;
  /** Runs the command with the arguments after its name and returns the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * Returns the I/O of the running process. Output to a pipe whose reader
 * has closed it, as `head` does in `certpin pins list | head -1`, is
 * dropped: the command runs on and exits with its own code, without the
 * stack trace of an unhandled EPIPE.
 */
export function processIo(): CliIo {
  return {
    stdout: writerFor(process.stdout),
    stderr: writerFor(process.stderr),
    env: process.env,
    stdinIsTerminal: process.stdin.isTTY === true,
    stderrIsTerminal: process.stderr.isTTY === true,
    readLine: () => readLineFrom(process.stdin),
    readInput: () => readAllFrom(process.stdin),
    readSecret: (prompt) => readSecretFromTerminal(prompt),
  };
}

/**
 * Returns a function that writes to a standard stream until a write fails
 * with EPIPE, and writes nothing after that. Node reports EPIPE as an
 * `error` event; the function also catches it thrown by `write`. Other
 * errors are raised again.
 */
function writerFor(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  const onError = (error: unknown): void => {
    if ((error as { code?: unknown }).code !== "EPIPE") throw error;
    closed = true;
  };
  stream.on("error", onError);
  return (text) => {
    if (closed) return;
    try {
      stream.write(text);
    } catch (error) {
      onError(error);
    }
  };
}

/**
 * Reads a line from the terminal in raw mode, so the typed characters are
 * not echoed. Backspace deletes the last character.
 */
function readSecretFromTerminal(prompt: string): Promise<string | undefined> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let secret = "";
    const finish = (value: string | undefined): void => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const character of chunk) {
        if (character === "\r" || character === "\n") return finish(secret);
        if (character === "\u0003") return finish(undefined);
        if (character === "\u0004" && secret === "") return finish(undefined);
        if (character === "\u007f" || character === "\b") {
          secret = [...secret].slice(0, -1).join("");
        } else if (character >= " ") {
          secret += character;
        }
      }
    };
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.on("data", onData);
    input.resume();
  });
}

async function readAllFrom(input: Readable): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of input) {
    chunks.push(
      typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk,
    );
  }
  return Buffer.concat(chunks);
}

function readLineFrom(
  input: Readable,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const lines = createInterface({ input, terminal: false });
    let answered = false;
    lines.once("line", (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once("close", () => {
      if (!answered) resolve(undefined);
    });
  });
}

/**
 * Asks a yes/no question on standard error and reads the answer from
 * standard input. Only "y" or "yes" (any case) count as yes; an empty
 * answer, the end of input or a missing `readLine` count as no.
 */
export async function askYesNo(io: CliIo, question: string): Promise<boolean> {
  io.stderr(question);
  const answer = io.readLine === undefined ? undefined : await io.readLine();
  if (answer === undefined) io.stderr("\n");
  return /^y(es)?$/i.test(answer?.trim() ?? "");
}

/**
 * Parses a command's arguments with `node:util` `parseArgs`, turning its
 * errors into {@linkcode UsageError}s that name the command's help.
 */
export function parseCommandArgs<
  T extends NonNullable<ParseArgsConfig["options"]>,
>(
  command: string,
  args: string[],
  options: T,
): {
  values: ReturnType<
    typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>
  >["values"];
  positionals: string[];
} {
  try {
    const parsed = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(
      `${
        describeParseArgsError(error)
      } Run "certpin ${command} --help" for usage.`,
    );
  }
}

/**
 * Rewords an error of `parseArgs` as one sentence. Its own messages span
 * several lines or end in a half-quoted example, such as the hint to write
 * `--timeout=-XYZ` for a value that starts with a dash.
 */
function describeParseArgsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /Option '(-[^' ]+)/.exec(message)?.[1] ??
    /Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    return `Unknown option ${option}.`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
    if (/ambiguous/.test(message)) {
      return `Missing value for ${option}: the next argument starts with "-". To give a value that starts with "-", write ${option}=VALUE.`;
    }
    if (/argument missing/.test(message)) {
      return `Missing value for ${option}.`;
    }
    if (/does not take an argument/.test(message)) {
      return `Option ${option} takes no value.`;
    }
  }
  const firstLine = message.split("\n")[0] ?? message;
  return `${firstLine.replace(/[.\s]+$/, "")}.`;
}

/**
 * Moves the descriptions of shared option help lines to the given column,
 * so they line up with a command's own options.
 *
 * @param lines Help lines: an option line starts with two spaces and a
 * dash, a continuation line with spaces only.
 * @param column The column where descriptions start.
 */
export function alignHelp(lines: readonly string[], column: number): string[] {
  return lines.map((line) => {
    const option = /^( {2}-.*?\S) {2,}(.*)$/.exec(line);
    return option === null
      ? `${" ".repeat(column)}${line.trimStart()}`
      : `${(option[1] ?? "").padEnd(column)}${option[2] ?? ""}`;
  });
}

/**
 * Parses a whole number option such as `--timeout`, with a usage error that
 * names the option and the accepted range.
 */
export function parseIntegerOption(
  name: string,
  value: string | undefined,
  fallback: number,
  minimum: number,
  maximum: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < minimum || number > maximum) {
    throw new UsageError(
      `Invalid value "${value}" for --${name}: expected a whole number from ${minimum} to ${maximum}.`,
    );
  }
  return number;
}

/**
 * Parses a duration option given in seconds, such as `--max-time 2.5`, and
 * returns it in milliseconds, or `undefined` when the option is absent and
 * there is no fallback.
 *
 * @param name The option name without dashes, for the usage error.
 * @param value The text given on the command line.
 * @param fallbackSeconds The duration when the option is absent.
 * @param maximumSeconds The largest duration accepted.
 */
export function parseSecondsOption(
  name: string,
  value: string | undefined,
  fallbackSeconds: number | undefined,
  maximumSeconds: number,
): number | undefined {
  if (value === undefined) {
    return fallbackSeconds === undefined ? undefined : fallbackSeconds * 1000;
  }
  const seconds = Number(value);
  if (
    !/^\d+(\.\d+)?$/.test(value.trim()) || seconds <= 0 ||
    seconds > maximumSeconds
  ) {
    throw new UsageError(
      `Invalid value "${value}" for --${name}: expected a number of seconds greater than 0 and at most ${maximumSeconds}, such as 30 or 2.5.`,
    );
  }
  return Math.ceil(seconds * 1000);
}

/**
 * Runs requests under one total deadline, for `--max-time`. When the
 * deadline passes, the signal given to `body` aborts with a ConnectionError
 * of kind `timeout`, which a pinned fetch raises in place of its result, or
 * while its response body is read. Without a deadline the signal is
 * `undefined`.
 *
 * @param target The host and port the requests go to, for the message.
 * @param milliseconds The deadline, or `undefined` for none.
 * @param body Sends the requests and reads their responses.
 */
export async function withMaxTime<T>(
  target: Target,
  milliseconds: number | undefined,
  body: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (milliseconds === undefined) return await body(undefined);
  const controller = new AbortController();
  const where = formatHostPort(target.host, target.port);
  const timer = setTimeout(() => {
    controller.abort(
      new ConnectionError(
        `Request to ${where} timed out after ${
          milliseconds / 1000
        } s (--max-time): the response was not complete by then. Raise --max-time if the server is slow.`,
        { kind: "timeout", host: target.host, port: target.port },
      ),
    );
  }, milliseconds);
  try {
    return await body(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Converts an error of a pinned fetch into the error the CLI reports. undici
 * raises its own network failures, such as a connection reset after the
 * handshake or a header timeout, as `TypeError("fetch failed")` and a
 * response body cut off as `TypeError("terminated")`, with the reason as
 * `cause`. Those become a ConnectionError for the target (exit code 3),
 * except a port that fetch blocks, which becomes a UsageError (exit code 2)
 * because no retry can help. Every other error is returned unchanged.
 *
 * @param error The error the fetch, or the reading of its body, raised.
 * @param target The host and port of the request's URL.
 */
export function fetchError(error: unknown, target: Target): unknown {
  if (
    !(error instanceof TypeError) ||
    (error.message !== "fetch failed" && error.message !== "terminated")
  ) {
    return error;
  }
  const where = formatHostPort(target.host, target.port);
  const cause = error.cause instanceof Error ? error.cause : error;
  if (cause.message === "bad port") {
    return new UsageError(
      `Request to ${where} was not sent: fetch blocks the port of the URL or of a redirect, because it is on the Fetch standard's list of bad ports (such as 1, 25 or 6000). Use another port; certpin verify and certpin fingerprint still connect to it.`,
    );
  }

  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string" && REQUEST_REJECTED_CODES.has(code)) {
    return new UsageError(
      `Request to ${where} was not sent: ${cause.message}. Check the request's method, headers and body.`,
    );
  }
  const timedOut = typeof code === "string" && code.includes("TIMEOUT");
  const reason =
    code === "UND_ERR_SOCKET" && cause.message === "other side closed"
      ? "the server closed the connection (other side closed)"
      : cause.message;
  const message = error.message === "terminated"
    ? `Response from ${where} ended before its body was complete: ${reason}.`
    : `Request to ${where} failed: ${reason}.`;
  return new ConnectionError(message, {
    kind: timedOut ? "timeout" : "reset",
    host: target.host,
    port: target.port,
    cause: error,
  });
}

// undici's codes for a request it rejects before sending it: an invalid
// header or method, or a body whose length differs from Content-Length.
const REQUEST_REJECTED_CODES = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
]);

/**
 * Describes why a file could not be read or written, in words for the
 * common `node:fs` error codes, such as "it is a directory (EISDIR)", and
 * with the runtime's message otherwise.
 *
 * @param error The error `node:fs` raised.
 */
export function describeFileError(error: unknown): string {
  const code = typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
  const reason = typeof code === "string"
    ? FILE_ERROR_REASONS[code]
    : undefined;
  if (reason !== undefined) return `${reason} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

const FILE_ERROR_REASONS: Record<string, string> = {
  ENOENT: "it does not exist",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
};

/**
 * Returns the usage error for a target without a pin in the pin store,
 * with the options that give it one.
 *
 * @param target The host and port without a pin.
 * @param storePath The pin store searched, or `undefined` for none.
 * @param storeFlag The `--store` value the user gave, if any.
 */
export function noPinError(
  target: Target,
  storePath: string | undefined,
  storeFlag: string | undefined,
): UsageError {
  const where = formatHostPort(target.host, target.port);
  return new UsageError(
    `No pin for ${where}${
      storePath === undefined ? "" : ` in the pin store ${storePath}`
    }, so certpin did not connect to it. Give its pin with --pin, or store it once with "${
      pinCommand(where, storeFlag)
    }" after comparing the fingerprint with the one the server shows.`,
  );
}

function pinCommand(where: string, storeFlag: string | undefined): string {
  return `certpin pin ${where} --expect FINGERPRINT${
    storeFlag === undefined ? "" : ` --store ${storeFlag}`
  }`;
}

/**
 * Rewords an UnpinnedHostError of a pinned fetch in the CLI's terms. The
 * library's message advises `allowUnpinned`, which the CLI does not offer;
 * a user gives `--pin` or stores the pin with `certpin pin` instead.
 * Other errors are returned unchanged, and so is the rejection of a
 * redirect to plain HTTP, which needs no other words.
 *
 * @param error The error the fetch raised.
 * @param target The host and port of the request's URL.
 * @param storePath The pin store the command read the pins from, or
 * `undefined` when `--pin` gave them.
 * @param storeFlag The `--store` value the user gave, if any, for the
 * suggested `certpin pin` command.
 */
export function unpinnedHostError(
  error: unknown,
  target: Target,
  storePath: string | undefined,
  storeFlag: string | undefined,
): unknown {
  if (!(error instanceof UnpinnedHostError)) return error;
  if (error.host === target.host && error.port === target.port) {
    return noPinError(target, storePath, storeFlag);
  }
  const where = formatHostPort(error.host, error.port);
  // A redirect to another host: only the library's "No pin for" message
  // names a missing pin; the other one rejects plain HTTP.
  if (!error.message.startsWith("No pin for ")) return error;
  return new UsageError(
    `The redirect to ${where} was not followed, because ${where} has no pin and certpin follows redirects only to hosts with a pin. Store its pin with "${
      pinCommand(where, storeFlag)
    }" and run the command again${
      storePath === undefined
        ? " without --pin, so that the pin store is used"
        : ""
    }.`,
  );
}

/**
 * Runs a command body, printing any error to standard error without a stack
 * trace and returning the exit code for its class.
 */
export async function runWithErrors(
  io: CliIo,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    io.stderr(`certpin: ${messageOf(error)}\n`);
    return exitCodeFor(error);
  }
}

// Connection failures that are faults of the certificate, not the network.
const CERTIFICATE_KINDS = new Set<ConnectionErrorKind>([
  "untrusted",
  "name-mismatch",
]);

/** Returns the exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof PinMismatchError) return EXIT.mismatch;
  if (error instanceof ConnectionError) {
    return CERTIFICATE_KINDS.has(error.kind) ? EXIT.mismatch : EXIT.network;
  }
  if (
    error instanceof UsageError || error instanceof InvalidFingerprintError ||
    error instanceof InvalidTargetError ||
    error instanceof InvalidCertificateError ||
    error instanceof PinStoreError || error instanceof CertpinError
  ) {
    return EXIT.usage;
  }
  return EXIT.usage;
}

function messageOf(error: unknown): string {
  if (error instanceof CertpinError || error instanceof UsageError) {
    return error.message;
  }
  if (error instanceof Error) {
    // An error certpin did not expect: show it plainly, still without a stack trace.
    return `unexpected error: ${error.message}`;
  }
  return `unexpected error: ${String(error)}`;
}
