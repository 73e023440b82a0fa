/**
 * Resuming a `pin+ca` TLS session under a name the certificate lacks, in
 * this process or in a child process whose runtime trusts a CA from its
 * environment.
 *
 * Deno 2.9.6 resumes no session when `ca` is given, so on Deno the host
 * check on a resumed session is tested with the CA in the runtime's own
 * store. The child runs with `DENO_CERT` (Deno) or `NODE_EXTRA_CA_CERTS`
 * (Node) naming the CA file, and connects without `ca`.
 *
 * Usage as a script: `resumed_session HOST PORT NAME WRONG_NAME` prints a
 * {@linkcode ResumedNameCheck} as JSON.
 *
 * @module
 */

import process from "node:process";
import { closeSocket, openTlsConnection } from "../../src/connect.ts";
import { ConnectionError } from "../../src/errors.ts";

/** Where to connect, and the names to try. */
export interface ResumedNameOptions {
  /** Address of the server. */
  host: string;
  /** Port of the server. */
  port: number;
  /** A name the server's certificate lists. */
  name: string;
  /** A name the certificate does not list. */
  wrongName: string;
  /** PEM of the CA to trust; the runtime's store unless given. */
  ca?: string;
}

/** What happened when a session was resumed under each name. */
export interface ResumedNameCheck {
  /** True when the session resumed under the right name. */
  resumed: boolean;
  /** The error of the connection under the wrong name, when it failed. */
  error?: {
    name: string;
    kind: string;
    host: string;
    port: number;
    message: string;
  };
}

/**
 * Opens a `pin+ca` connection to get a session, resumes it under the right
 * name, then connects with it under the wrong name.
 *
 * @param options Where to connect, the names and the CA.
 * @returns Whether the session resumed, and the last connection's error.
 * @throws {Error} When the first connection brings no session, or the last
 * one fails with an error that is not a ConnectionError.
 */
export async function resumeUnderWrongName(
  options: ResumedNameOptions,
): Promise<ResumedNameCheck> {
  const connection = {
    host: options.host,
    port: options.port,
    verify: "pin+ca" as const,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
  const first = await openTlsConnection({
    ...connection,
    servername: options.name,
  });
  // A TLS 1.3 server sends its session ticket after the handshake, so the
  // session is read once a response has arrived.
  first.write(`GET / HTTP/1.1\r\nHost: ${options.name}\r\n\r\n`);
  await new Promise((resolve) => first.once("data", resolve));
  const session = first.getSession();
  await closeSocket(first);
  if (session === undefined) {
    throw new Error("The first connection has no session to resume");
  }

  const second = await openTlsConnection({
    ...connection,
    servername: options.name,
    session,
  });
  const resumed = second.isSessionReused();
  await closeSocket(second);

  try {
    const third = await openTlsConnection({
      ...connection,
      servername: options.wrongName,
      session,
    });
    await closeSocket(third);
    return { resumed };
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    const { name, kind, host, port, message } = error;
    return { resumed, error: { name, kind, host, port, message } };
  }
}

// Run only as the main script (Deno and Node both put its path in argv[1]),
// not when a test imports resumeUnderWrongName.
if (/resumed_session\.[jt]s$/.test(process.argv[1] ?? "")) {
  const [host = "", port = "", name = "", wrongName = ""] = process.argv
    .slice(2);
  const check = await resumeUnderWrongName({
    host,
    port: Number(port),
    name,
    wrongName,
  });
  process.stdout.write(`${JSON.stringify(check)}\n`);
}
