// Reading and checking the request options of `certpin fetch` (method,
// headers, body, output file), so that a bad option fails before any
// connection is opened.

import {
  accessSync,
  constants,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { type CliIo, describeFileError, UsageError } from "./_common.ts";

// A method is an HTTP token (RFC 9110, section 5.6.2).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Methods that fetch rejects, because they would turn the connection into
// a tunnel or echo the request back, credentials included.
const UNSUPPORTED_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

// Headers that fetch writes itself, each with the reason for the message.
const MANAGED_HEADERS: Record<string, string> = {
  "host": "certpin sets Host from the URL; put the host in the URL",
  "content-length":
    "certpin sets Content-Length from the body of -d or --data-file",
  "transfer-encoding":
    "certpin sends the body of -d or --data-file with a Content-Length",
  "connection": "fetch manages the connection itself",
  "keep-alive": "fetch manages the connection itself",
  "upgrade": "fetch cannot switch the connection to another protocol",
  "expect": "fetch sends the body without waiting for 100 Continue",
};

/**
 * Returns the request method: `-X` as given, else POST with a body and GET
 * without. A method that is not an HTTP token, that fetch does not support,
 * or GET or HEAD with a body, is a usage error.
 */
export function parseMethod(
  given: string | undefined,
  hasBody: boolean,
): string {
  if (given === undefined) return hasBody ? "POST" : "GET";
  if (!TOKEN.test(given)) {
    throw new UsageError(
      `Invalid method ${
        JSON.stringify(given)
      } given with -X: a method is one word of letters, digits or !#$%&'*+-.^_\`|~, such as GET or POST.`,
    );
  }
  const upper = given.toUpperCase();
  if (UNSUPPORTED_METHODS.has(upper)) {
    throw new UsageError(
      `Method ${upper} given with -X is not supported: fetch does not send CONNECT, TRACE or TRACK requests.`,
    );
  }
  if (hasBody && (upper === "GET" || upper === "HEAD")) {
    throw new UsageError(
      `Method ${upper} given with -X cannot have a body: fetch sends no body with GET or HEAD. Drop -d or --data-file, or use another method such as POST.`,
    );
  }
  return given;
}

/**
 * Parses `-H` lines. Error messages name the header but never quote its
 * value, which may be a credential.
 */
export function parseHeaders(lines: string[]): Headers {
  const headers = new Headers();
  for (const [index, line] of lines.entries()) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    if (colon < 1 || name === "") {
      throw new UsageError(
        `Invalid header ${
          index + 1
        } given with -H: it has no "Name:" before a colon. Give it as "Name: value", such as "Content-Type: application/json".`,
      );
    }
    const managed = MANAGED_HEADERS[name.toLowerCase()];
    if (managed !== undefined) {
      throw new UsageError(
        `Header "${name}" given with -H is not allowed: ${managed}.`,
      );
    }
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch {
      throw new UsageError(
        `Invalid header "${name}" given with -H: its name or value contains characters HTTP does not allow.`,
      );
    }
  }
  return headers;
}

/**
 * Reads the body of `--data-file`: the file, or standard input for `-`,
 * which keeps a body with a password off the command line.
 */
export async function readBodyFile(
  path: string,
  io: CliIo,
): Promise<Uint8Array> {
  if (path === "-") {
    if (io.readInput === undefined) {
      throw new UsageError(
        "Cannot read --data-file -: this caller provides no standard input.",
      );
    }
    return await io.readInput();
  }
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(
      `Cannot read --data-file "${path}": ${describeFileError(error)}.`,
    );
  }
}

/**
 * Checks that the `-o` file can be written, without creating it: it is
 * not a directory, and it (or, when it does not exist, its directory) is
 * writable. Called before the request is sent, so a bad path costs no
 * request.
 */
export function checkOutputPath(path: string): void {
  const fail = (reason: string): never => {
    throw new UsageError(
      `Cannot write the response body to -o "${path}": ${reason}. The request was not sent.`,
    );
  };
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") {
      fail(describeFileError(error));
    }
  }
  if (existing?.isDirectory() === true) fail("it is a directory (EISDIR)");
  const checked = existing === undefined ? dirname(path) : path;
  try {
    accessSync(checked, constants.W_OK);
  } catch (error) {
    fail(
      existing === undefined
        ? `its directory "${checked}" cannot be written: ${
          describeFileError(error)
        }`
        : describeFileError(error),
    );
  }
}

/** Writes the response body to the `-o` file. */
export function writeOutputFile(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw new UsageError(
      `Cannot write the response body to -o "${path}": ${
        describeFileError(error)
      }.`,
    );
  }
}
