/**
 * `certpin checkpoint login <server>`: logs in to a Check Point management
 * server's web API through a pinned fetch, prints the session id, the API
 * server version and the domain, and logs out. It proves that the pin, the
 * user and the password work before a script relies on them.
 *
 * @module
 */

import { ConnectionError, formatHostPort } from "../errors.ts";
import { createPinnedFetch, type PinnedFetch } from "../fetch.ts";
import { normalizePins } from "../match.ts";
import { parseTarget, type Target } from "../target.ts";
import {
  alignHelp,
  type CliIo,
  type Command,
  EXIT,
  fetchError,
  noPinError,
  parseCommandArgs,
  parseIntegerOption,
  parseSecondsOption,
  unpinnedHostError,
  UsageError,
  withMaxTime,
} from "./_common.ts";
import { openStore, STORE_HELP, STORE_OPTION } from "./_store_options.ts";

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_TIME_SECONDS = 60;
// The largest --max-time accepted: one hour, in seconds.
const MAX_TIME_LIMIT_SECONDS = 3_600;

const HELP = `Usage: certpin checkpoint login <server> --user NAME [options]

Logs in to a Check Point management server's web API (POST
https://<server>/web_api/login) through a pinned connection, prints the
session id, the API server version and the domain, and logs out again. The
password is sent only after the server's certificate matched the pin.

<server> is host, host:port or [IPv6]:port; port 443 unless given. Read the
server's fingerprint on its console with "api fingerprint" and give it with
--pin, or store it first with "certpin pin <server> --expect FINGERPRINT".

The password comes from CHECKPOINT_PASSWORD, or else is read from the
terminal without echo. Without either, certpin stops with exit code 2.

Options:
  --user NAME          Administrator name (required)
  --pin PIN            Pin of the server: a fingerprint in any common form
                       (such as the SHA-1 "api fingerprint" prints) or
                       sha256/BASE64; may be repeated. Unless given, the pins
                       stored for the server in the pin store are used
  --domain NAME        Domain to log in to, on a Multi-Domain Server
  --timeout MS         Milliseconds for DNS, TCP and the TLS handshake
                       together, for each connection (default ${DEFAULT_TIMEOUT_MS})
  --max-time SECONDS   Seconds for each API request (login, then logout),
                       from connecting to the end of the reply; a fraction
                       such as 0.5 is allowed (default ${DEFAULT_MAX_TIME_SECONDS})
${alignHelp(STORE_HELP, 23).join("\n")}
  -h, --help           Show this help

Exit codes: 0 logged in and out, 1 the certificate does not match the pin,
2 bad usage, no pin or password, or the login was rejected, 3 network error.
`;

/** The `checkpoint` command. */
export const checkpointCommand: Command = {
  name: "checkpoint",
  summary: "Log in to a Check Point management API through a pinned connection",
  help: HELP,
  run: runCheckpoint,
};

/** The fields of the login reply that the command prints. */
interface LoginReply {
  sid: string;
  apiServerVersion: string | undefined;
  domain: string | undefined;
}

/** The pinned fetch to the management server, and the limit per request. */
interface Api {
  fetch: PinnedFetch;
  target: Target;
  /** Milliseconds each request may take, reply included. */
  maxTime: number | undefined;
  /** The pin store the pins come from, or `undefined` for `--pin`. */
  storePath: string | undefined;
  /** The `--store` value the user gave, if any. */
  storeFlag: string | undefined;
}

/**
 * A reply that rejects the command: an error status, or a success status
 * with a body the web API would not send.
 */
class ApiError extends Error {
  /** Creates the error for a reply with an error status. */
  constructor(command: string, status: number, body: unknown) {
    const reply = typeof body === "object" && body !== null
      ? body as Record<string, unknown>
      : {};
    const message = typeof reply["message"] === "string"
      ? reply["message"]
      : "no message";
    const code = typeof reply["code"] === "string" ? reply["code"] : "no code";
    super(
      `The management server rejected "${command}" with HTTP ${status}: ${message} (${code}).`,
    );
    this.name = "ApiError";
  }

  /**
   * Creates the error for a success status whose body is not what the web
   * API sends, which suggests another service on that port.
   */
  static unexpectedReply(
    command: string,
    status: number,
    problem: string,
  ): ApiError {
    const error = new ApiError(command, status, {});
    error.message =
      `The server answered "${command}" with HTTP ${status}, but ${problem}, so it may not be a Check Point management API. Check the host and port.`;
    return error;
  }
}

async function runCheckpoint(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("checkpoint", args, {
    ...STORE_OPTION,
    user: { type: "string" },
    pin: { type: "string", multiple: true },
    domain: { type: "string" },
    timeout: { type: "string" },
    "max-time": { type: "string" },
  });
  const [action, server, ...extra] = positionals;
  if (action !== "login") {
    throw new UsageError(
      `Unknown action ${
        action === undefined ? "(none)" : `"${action}"`
      }: the only action is "login". Run "certpin checkpoint --help" for usage.`,
    );
  }
  if (server === undefined || extra.length > 0) {
    throw new UsageError(
      `Expected one server after "login", such as "192.0.2.10", but got ${
        positionals.length - 1
      }. Run "certpin checkpoint --help" for usage.`,
    );
  }
  const user = values.user;
  if (user === undefined || user === "") {
    throw new UsageError(
      'Missing --user NAME: the administrator to log in as. Run "certpin checkpoint --help" for usage.',
    );
  }
  if (values.pin !== undefined && values.store !== undefined) {
    throw new UsageError(
      'Give --pin or --store, not both. Run "certpin checkpoint --help" for usage.',
    );
  }
  const target = parseTarget(server);
  const pins = values.pin === undefined ? undefined : normalizePins(values.pin);
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
    DEFAULT_MAX_TIME_SECONDS,
    MAX_TIME_LIMIT_SECONDS,
  );
  const name = formatHostPort(target.host, target.port);
  const store = pins === undefined ? openStore(values.store, io) : undefined;
  // Checked before the password prompt, which would be wasted without a pin.
  if (
    store !== undefined &&
    (await store.pinsFor(target.host, target.port)).length === 0
  ) {
    throw noPinError(target, store.path, values.store);
  }
  const password = await readPassword(io, user, name);

  const connection = {
    connectTimeout: timeout,
    ...(io.lookup === undefined ? {} : { lookup: io.lookup }),
  };
  const fetch = store !== undefined
    ? createPinnedFetch({ store, ...connection })
    : createPinnedFetch({ pins: { [name]: pins ?? [] }, ...connection });
  try {
    const api: Api = {
      fetch,
      target,
      maxTime,
      storePath: store?.path,
      storeFlag: values.store,
    };
    return await loginAndLogout(io, api, {
      user,
      password,
      ...(values.domain === undefined ? {} : { domain: values.domain }),
    });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.stderr(`certpin: ${error.message}\n`);
    return EXIT.usage;
  } finally {
    await fetch.close();
  }
}

async function readPassword(
  io: CliIo,
  user: string,
  name: string,
): Promise<string> {
  const fromEnv = io.env["CHECKPOINT_PASSWORD"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!io.stdinIsTerminal || io.readSecret === undefined) {
    throw new UsageError(
      "No password: set CHECKPOINT_PASSWORD, or run certpin in a terminal to type the password.",
    );
  }
  const typed = await io.readSecret(`Password for ${user} at ${name}: `);
  if (typed === undefined || typed === "") {
    throw new UsageError("No password was entered, so certpin did not log in.");
  }
  return typed;
}

async function loginAndLogout(
  io: CliIo,
  api: Api,
  credentials: { user: string; password: string; domain?: string },
): Promise<number> {
  const name = formatHostPort(api.target.host, api.target.port);
  const login = readLoginReply(await callApi(api, "login", credentials));
  io.stdout(
    [
      `Logged in to ${name} as ${credentials.user}.`,
      `session id:         ${login.sid}`,
      `API server version: ${login.apiServerVersion ?? "(not in the reply)"}`,
      `domain:             ${
        login.domain ?? credentials.domain ?? "(not in the reply)"
      }`,
      "",
    ].join("\n"),
  );

  try {
    await callApi(api, "logout", {}, login.sid);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    io.stderr(
      `certpin: logout from ${name} failed, so the session stays open until it times out: ${reason}\n`,
    );
    return error instanceof ConnectionError ? EXIT.network : EXIT.usage;
  }
  io.stdout("Logged out.\n");
  return EXIT.ok;
}

/**
 * Sends one web API command as a JSON POST and returns the parsed reply.
 * The request and the reading of the reply together get `api.maxTime`.
 */
async function callApi(
  api: Api,
  command: string,
  body: Record<string, unknown>,
  sid?: string,
): Promise<unknown> {
  const { fetch, target } = api;
  const url = `https://${
    formatHostPort(target.host, target.port)
  }/web_api/${command}`;
  let response: Response;
  let text: string;
  try {
    [response, text] = await withMaxTime(
      target,
      api.maxTime,
      async (signal) => {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(sid === undefined ? {} : { "x-chkp-sid": sid }),
          },
          body: JSON.stringify(body),
          ...(signal === undefined ? {} : { signal }),
        });
        return [response, await response.text()] as const;
      },
    );
  } catch (error) {
    throw unpinnedHostError(
      fetchError(error, target),
      target,
      api.storePath,
      api.storeFlag,
    );
  }
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    reply = undefined;
  }
  if (!response.ok) throw new ApiError(command, response.status, reply);
  if (reply === undefined) {
    throw ApiError.unexpectedReply(
      command,
      response.status,
      "the reply is not JSON",
    );
  }
  return reply;
}

function readLoginReply(reply: unknown): LoginReply {
  const fields = typeof reply === "object" && reply !== null
    ? reply as Record<string, unknown>
    : {};
  const sid = fields["sid"];
  if (typeof sid !== "string" || sid === "") {
    throw ApiError.unexpectedReply(
      "login",
      200,
      'the reply has no session id ("sid")',
    );
  }
  const version = fields["api-server-version"];
  const domain = fields["domain"];
  const domainName = typeof domain === "string"
    ? domain
    : typeof domain === "object" && domain !== null &&
        typeof (domain as Record<string, unknown>)["name"] === "string"
    ? (domain as Record<string, string>)["name"]
    : undefined;
  return {
    sid,
    apiServerVersion: typeof version === "string" ? version : undefined,
    domain: domainName,
  };
}
