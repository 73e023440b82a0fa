/**
 * `certpin fetch <url>`: one pinned HTTPS request, like curl. The body goes
 * to standard output (or a file); with `-v` the request and response lines
 * and headers go to standard error, with secret values redacted.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { formatHostPort } from "../errors.ts";
import { createPinnedFetch, type PinnedFetch } from "../fetch.ts";
import { normalizePins } from "../match.ts";
import { parseTarget, type Target } from "../target.ts";
import {
  alignHelp,
  type CliIo,
  type Command,
  EXIT,
  fetchError,
  parseCommandArgs,
  parseIntegerOption,
  parseSecondsOption,
  unpinnedHostError,
  UsageError,
  withMaxTime,
} from "./_common.ts";
import { openStore, STORE_HELP, STORE_OPTION } from "./_store_options.ts";
import {
  checkOutputPath,
  parseHeaders,
  parseMethod,
  readBodyFile,
  writeOutputFile,
} from "./_fetch_input.ts";

const DEFAULT_TIMEOUT_MS = 10_000;
// The largest --max-time accepted: one day, in seconds.
const MAX_TIME_LIMIT_SECONDS = 86_400;

const HELP = `Usage: certpin fetch <url> [options]

Sends one HTTPS request to a server whose certificate matches a pin, like
curl, and writes the response body to standard output. The pin is checked
when the TLS handshake completes, before any byte of the request is sent; on
a mismatch nothing is sent and the exit code is 1. Proxy environment
variables (HTTPS_PROXY and the like) are ignored: certpin always connects
directly.

Options:
  --pin PIN              Pin of the URL's host and port: a fingerprint in any
                         common form, or sha256/BASE64; may be repeated.
                         Unless given, the pins stored for the host and port
                         in the pin store are used
  -X, --request METHOD   Request method (default GET, or POST with a body);
                         CONNECT, TRACE and TRACK are not supported
  -H, --header "N: V"    Request header; may be repeated. Host, Content-
                         Length, Transfer-Encoding, Connection, Keep-Alive,
                         Upgrade and Expect are set by certpin and rejected
  -d, --data DATA        Send DATA as the request body
  --data-file FILE       Send the contents of FILE as the request body; with
                         "-", read it from standard input
  -o, --output FILE      Write the response body to FILE, byte for byte
  -L, --location         Follow redirects, only to hosts with a pin (each
                         checked again; at most 20)
  -v, --verbose          Print the request and response lines and headers to
                         standard error once the response arrived, so only
                         after the certificate matched; values of
                         Authorization, Cookie, session and token headers
                         and the request body are never printed
  --timeout MS           Milliseconds for DNS, TCP and the TLS handshake
                         together, for each connection (default ${DEFAULT_TIMEOUT_MS})
  --max-time SECONDS     Seconds for the whole request: connecting, sending,
                         and receiving the complete response, redirects
                         included; a fraction such as 0.5 is allowed. No
                         limit unless given, but a server that sends nothing
                         for 300 s fails the request
${alignHelp(STORE_HELP, 25).join("\n")}
  -h, --help             Show this help

With -d or --data-file and no Content-Type header, the body is sent as
application/x-www-form-urlencoded, as curl does. Standard output receives the
body as UTF-8 text; use -o for binary bodies. An HTTP error status still
exits with 0: read it with -v.

Exit codes: 0 a response was received, 1 the certificate does not match the
pin, 2 bad usage, invalid input or no pin for the host, 3 network error or
timeout.

Example:
  certpin fetch https://192.0.2.10/web_api/show-session \\
    --pin SHA256:55:68:4B:...:CD:8C -X POST -H "X-chkp-sid: $SID" -d '{}'
`;

/** The `fetch` command. */
export const fetchCommand: Command = {
  name: "fetch",
  summary: "Send one HTTPS request to a pinned server, like curl",
  help: HELP,
  run: runFetch,
};

// Headers whose values are secrets: credentials, cookies and session ids.
// A name is also treated as secret when it contains one of SECRET_WORDS.
const SECRET_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-chkp-sid",
]);
const SECRET_WORDS = /token|secret|passw|session|sid|key|auth|cookie/i;

async function runFetch(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("fetch", args, {
    ...STORE_OPTION,
    pin: { type: "string", multiple: true },
    request: { type: "string", short: "X" },
    header: { type: "string", short: "H", multiple: true },
    data: { type: "string", short: "d" },
    "data-file": { type: "string" },
    output: { type: "string", short: "o" },
    location: { type: "boolean", short: "L" },
    verbose: { type: "boolean", short: "v" },
    timeout: { type: "string" },
    "max-time": { type: "string" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `Expected one URL, such as "https://192.0.2.10/web_api/login", but got ${positionals.length}. Run "certpin fetch --help" for usage.`,
    );
  }
  if (values.data !== undefined && values["data-file"] !== undefined) {
    throw new UsageError(
      'Give -d or --data-file, not both. Run "certpin fetch --help" for usage.',
    );
  }
  const url = positionals[0] ?? "";
  const target = parseTarget(url);
  const timeout = parseIntegerOption(
    "timeout",
    values.timeout,
    DEFAULT_TIMEOUT_MS,
    1,
    600_000,
  );
  const maxTime = parseSecondsOption(
    "max-time",
    values["max-time"],
    undefined,
    MAX_TIME_LIMIT_SECONDS,
  );
  const headers = parseHeaders(values.header ?? []);
  const body = values.data !== undefined
    ? Buffer.from(values.data)
    : values["data-file"] !== undefined
    ? await readBodyFile(values["data-file"], io)
    : undefined;
  if (body !== undefined && !headers.has("content-type")) {
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  const method = parseMethod(values.request, body !== undefined);
  if (values.output !== undefined) checkOutputPath(values.output);

  const { fetch, storePath } = createFetch(
    target,
    values.pin,
    values.store,
    io,
    timeout,
  );
  try {
    const bytes = await withMaxTime(target, maxTime, async (signal) => {
      const response = await fetch(url, {
        method,
        headers: [...headers],
        ...(body === undefined ? {} : { body: new Uint8Array(body) }),
        redirect: values.location === true ? "follow" : "manual",
        ...(signal === undefined ? {} : { signal }),
      });
      // Printed only now: a response means the certificate matched and
      // the request went out on the verified connection.
      if (values.verbose === true) {
        printRequest(io, method, new URL(url), headers, body);
        printResponse(io, response);
      }
      return new Uint8Array(await response.arrayBuffer());
    });
    if (values.output === undefined) {
      io.stdout(new TextDecoder().decode(bytes));
    } else {
      writeOutputFile(values.output, bytes);
    }
    return EXIT.ok;
  } catch (error) {
    throw unpinnedHostError(
      fetchError(error, target),
      target,
      storePath,
      values.store,
    );
  } finally {
    await fetch.close();
  }
}

function createFetch(
  target: Target,
  pinTexts: string[] | undefined,
  storePath: string | undefined,
  io: CliIo,
  timeout: number,
): { fetch: PinnedFetch; storePath: string | undefined } {
  const connection = {
    connectTimeout: timeout,
    ...(io.lookup === undefined ? {} : { lookup: io.lookup }),
  };
  if (pinTexts === undefined || pinTexts.length === 0) {
    const store = openStore(storePath, io);
    return {
      fetch: createPinnedFetch({ store, ...connection }),
      storePath: store.path,
    };
  }
  if (storePath !== undefined) {
    throw new UsageError(
      'Give --pin or --store, not both. Run "certpin fetch --help" for usage.',
    );
  }
  const fetch = createPinnedFetch({
    pins: {
      [formatHostPort(target.host, target.port)]: normalizePins(pinTexts),
    },
    ...connection,
  });
  return { fetch, storePath: undefined };
}

function printRequest(
  io: CliIo,
  method: string,
  url: URL,
  headers: Headers,
  body: Uint8Array | undefined,
): void {
  const lines = [`> ${method} ${url.pathname}${url.search}`];
  lines.push(`> host: ${url.host}`);
  for (const [name, value] of headers) {
    lines.push(`> ${name}: ${redactValue(name, value)}`);
  }
  if (body !== undefined) {
    lines.push(`> (request body of ${body.length} bytes, not shown)`);
  }
  io.stderr(`${lines.join("\n")}\n>\n`);
}

function printResponse(io: CliIo, response: Response): void {
  const lines = [`< ${response.status} ${response.statusText}`.trimEnd()];
  if (response.redirected) lines.unshift(`* redirected to ${response.url}`);
  for (const [name, value] of response.headers) {
    lines.push(`< ${name}: ${redactValue(name, value)}`);
  }
  io.stderr(`${lines.join("\n")}\n<\n`);
}

function redactValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || SECRET_WORDS.test(lower)
    ? "[redacted]"
    : value;
}
