/**
 * Logs in to a Check Point management server's web API through a pinned
 * fetch, lists its host objects with `show-hosts`, and logs out. The
 * password is sent only after the server's certificate matched the pin.
 *
 * Read the pin on the server's console first: `api fingerprint` prints the
 * certificate's SHA-1 fingerprint, and `api fingerprint -f json` its SHA-256
 * fingerprint too. Then:
 *
 * ```sh
 * export CHECKPOINT_PASSWORD='...'
 * deno run --allow-net --allow-env examples/check_point_login.ts \
 *   192.0.2.10 A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D admin
 * ```
 *
 * The server (`host`, `host:port` or `[IPv6]:port`), the pin and the user may
 * also come from CHECKPOINT_SERVER, CHECKPOINT_PIN and CHECKPOINT_USER. The
 * password comes only from CHECKPOINT_PASSWORD, so it never appears in the
 * process list or the shell history.
 *
 * @module
 */

import process from "node:process";
import { createPinnedFetch, type PinnedFetch } from "../mod.ts";

/** The server, its pin and the credentials to log in with. */
export interface LoginSettings {
  /** The management server: `host`, `host:port` or `[IPv6]:port`. */
  server: string;
  /** The server's certificate fingerprint or public-key pin. */
  pin: string;
  /** Administrator name. */
  user: string;
  /** Administrator password. */
  password: string;
}

/** The result of one login: the API version and the host objects. */
export interface LoginResult {
  /** API server version from the login reply. */
  apiServerVersion: string;
  /** Names and IPv4 addresses of the host objects. */
  hosts: { name: string; address: string }[];
}

/**
 * Logs in, lists the host objects and logs out, all through one pinned
 * fetch that trusts only the given pin for the server.
 *
 * @param settings Server, pin and credentials.
 * @returns The API version and the host objects.
 * @throws {PinMismatchError} When the server's certificate does not match;
 * the password was not sent.
 */
export async function listHosts(settings: LoginSettings): Promise<LoginResult> {
  const fetch = createPinnedFetch({
    pins: { [settings.server]: settings.pin },
  });
  const api = `https://${settings.server}/web_api/`;
  try {
    const login = await call(fetch, api, "login", {
      user: settings.user,
      password: settings.password,
    });
    const sid = String(login["sid"]);
    try {
      const reply = await call(fetch, api, "show-hosts", { limit: 50 }, sid);
      const objects = reply["objects"] as Record<string, unknown>[];
      return {
        apiServerVersion: String(login["api-server-version"]),
        hosts: objects.map((host) => ({
          name: String(host["name"]),
          address: String(host["ipv4-address"]),
        })),
      };
    } finally {
      await call(fetch, api, "logout", {}, sid);
    }
  } finally {
    await fetch.close();
  }
}

/** Sends one web API command as a JSON POST and returns the JSON reply. */
async function call(
  fetch: PinnedFetch,
  api: string,
  command: string,
  body: Record<string, unknown>,
  sid?: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(command, api), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(sid === undefined ? {} : { "x-chkp-sid": sid }),
    },
    body: JSON.stringify(body),
  });
  const reply = await response.json() as Record<string, unknown>;
  if (!response.ok) {
    throw new Error(
      `${command} failed with HTTP ${response.status}: ${reply["message"]} (${
        reply["code"]
      })`,
    );
  }
  return reply;
}

/**
 * Reads the settings from the arguments `SERVER PIN USER` or from the
 * environment, and the password from CHECKPOINT_PASSWORD.
 *
 * @param args Command-line arguments, each one optional.
 * @param env Environment variables.
 * @returns The settings.
 * @throws {Error} When a setting is missing, naming it.
 */
export function readSettings(
  args: string[],
  env: Record<string, string | undefined>,
): LoginSettings {
  const [server, pin, user] = [
    args[0] ?? env["CHECKPOINT_SERVER"],
    args[1] ?? env["CHECKPOINT_PIN"],
    args[2] ?? env["CHECKPOINT_USER"],
  ];
  const password = env["CHECKPOINT_PASSWORD"];
  const missing = [
    server === undefined ? "server (CHECKPOINT_SERVER)" : undefined,
    pin === undefined ? "pin (CHECKPOINT_PIN)" : undefined,
    user === undefined ? "user (CHECKPOINT_USER)" : undefined,
    password === undefined ? "password (CHECKPOINT_PASSWORD)" : undefined,
  ].filter((name) => name !== undefined);
  if (
    missing.length > 0 || server === undefined || pin === undefined ||
    user === undefined || password === undefined
  ) {
    throw new Error(
      `Missing ${
        missing.join(", ")
      }. Usage: check_point_login.ts SERVER PIN USER, with the password in CHECKPOINT_PASSWORD.`,
    );
  }
  return { server, pin, user, password };
}

/**
 * Runs the example and prints what it found.
 *
 * @param args Command-line arguments: `SERVER PIN USER`.
 * @param env Environment variables.
 * @param print Receives each output line.
 * @returns The exit code: 0 on success, 1 on any error.
 */
export async function main(
  args: string[],
  env: Record<string, string | undefined>,
  print: (line: string) => void,
): Promise<number> {
  try {
    const result = await listHosts(readSettings(args, env));
    print(`API server version ${result.apiServerVersion}`);
    for (const host of result.hosts) print(`${host.name}\t${host.address}`);
    return 0;
  } catch (error) {
    print(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if ((import.meta as { main?: boolean }).main === true) {
  process.exitCode = await main(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
  );
}
