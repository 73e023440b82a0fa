/**
 * A mock of a Check Point management server's web API on 127.0.0.1, with a
 * self-signed certificate. It serves `login`, `show-hosts` and `logout`
 * under `/web_api/` and replies with the field names of the real API
 * (`sid`, `api-server-version`, `objects`) and its error shape
 * (`{ code, message }`). The login reply also carries the domain in the
 * form the API's objects use (`domain.name`). The mock runs on
 * {@linkcode startHttpsServer}, so it counts the application bytes it
 * receives and a test can prove an impostor got none.
 *
 * @module
 */

import { randomBytes, randomUUID } from "node:crypto";
import { Buffer } from "node:buffer";
import type http from "node:http";
import { type HttpsServer, startHttpsServer } from "./https_server.ts";

/** Options of {@linkcode startCheckpointMock}. */
export interface CheckpointMockOptions {
  /** Server certificate (PEM). */
  cert: string;
  /** Private key (PEM). */
  key: string;
  /** Administrators who may log in, name to password. */
  users: Record<string, string>;
  /** Version in the login reply's `api-server-version`; `1.9.1` unless given. */
  apiServerVersion?: string;
  /** Name of the domain in the login reply; `SMC User` unless given, as on a single-domain server. */
  domain?: string;
  /** Host objects `show-hosts` lists; two sample hosts unless given. */
  hosts?: { name: string; address: string }[];
}

/** A running mock management server. */
export interface CheckpointMock extends HttpsServer {
  /** Session ids that are logged in now. */
  activeSessions(): string[];
  /** Every session id the server has issued, including logged-out ones. */
  issuedSessions(): string[];
  /** Requests received so far, in order. */
  requests(): ReceivedRequest[];
}

/** A request as the mock received it. */
export interface ReceivedRequest {
  /** Request method, such as `POST`. */
  method: string;
  /** Request target, such as `/web_api/login`. */
  path: string;
  /** Header fields, names lowercased. */
  headers: http.IncomingHttpHeaders;
  /** The request body as text. */
  body: string;
}

/** A reply for the mock to send. */
interface Reply {
  status: number;
  body: string;
}

const DEFAULT_HOSTS = [
  { name: "web-frontend", address: "198.51.100.10" },
  { name: "db-backend", address: "198.51.100.20" },
];

/** Starts the mock management server on 127.0.0.1 on a free port. */
export async function startCheckpointMock(
  options: CheckpointMockOptions,
): Promise<CheckpointMock> {
  const active = new Map<string, string>();
  const issued: string[] = [];
  const domain = {
    uid: randomUUID(),
    name: options.domain ?? "SMC User",
    "domain-type": "domain",
  };
  const hosts = (options.hosts ?? DEFAULT_HOSTS).map((host) => ({
    uid: randomUUID(),
    name: host.name,
    type: "host",
    domain,
    "ipv4-address": host.address,
  }));

  const received: ReceivedRequest[] = [];
  const answer = (request: ReceivedRequest): Reply => {
    if (request.method !== "POST") {
      return reply(405, {
        code: "generic_err_invalid_syntax",
        message: `Method ${request.method} is not allowed; use POST.`,
      });
    }
    const body = parseBody(request.body);
    if (body === undefined) {
      return reply(400, {
        code: "generic_err_invalid_syntax",
        message: "Request body is not a JSON object.",
      });
    }

    switch (request.path) {
      case "/web_api/login": {
        const user = body["user"];
        const password = body["password"];
        if (
          typeof user !== "string" || typeof password !== "string" ||
          options.users[user] !== password
        ) {
          return reply(400, {
            code: "err_login_failed",
            message: "Authentication to server failed.",
          });
        }
        const sid = randomBytes(32).toString("base64url");
        active.set(sid, user);
        issued.push(sid);
        const now = new Date();
        return reply(200, {
          uid: randomUUID(),
          sid,
          url: `https://${request.headers["host"] ?? "127.0.0.1"}/web_api`,
          "session-timeout": 600,
          "last-login-was-at": {
            posix: now.getTime(),
            "iso-8601": now.toISOString().slice(0, 16),
          },
          "api-server-version": options.apiServerVersion ?? "1.9.1",
          "read-only": false,
          standby: false,
          domain,
        });
      }
      case "/web_api/show-hosts":
      case "/web_api/logout": {
        const sid = request.headers["x-chkp-sid"];
        if (typeof sid !== "string" || !active.has(sid)) {
          return reply(401, {
            code: "generic_err_wrong_session_id",
            message: "Wrong session id. Session may be expired.",
          });
        }
        if (request.path === "/web_api/logout") {
          active.delete(sid);
          return reply(200, { message: "OK" });
        }
        return reply(200, {
          objects: hosts,
          from: hosts.length === 0 ? 0 : 1,
          to: hosts.length,
          total: hosts.length,
        });
      }
      default:
        return reply(404, {
          code: "generic_err_command_not_found",
          message: `Unknown command "${request.path}".`,
        });
    }
  };

  const server = await startHttpsServer({
    cert: options.cert,
    key: options.key,
    handler: (incoming, response) => {
      const chunks: Uint8Array[] = [];
      incoming.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      incoming.on("end", () => {
        const request: ReceivedRequest = {
          method: incoming.method ?? "",
          path: incoming.url ?? "",
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        received.push(request);
        const { status, body } = answer(request);
        response.writeHead(status, { "content-type": "application/json" });
        response.end(body);
      });
    },
  });
  return {
    ...server,
    activeSessions: () => [...active.keys()],
    issuedSessions: () => [...issued],
    requests: () => [...received],
  };
}

function reply(status: number, body: unknown): Reply {
  return { status, body: JSON.stringify(body) };
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text === "" ? "{}" : text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits until every TCP connection to the mock closed, so each byte a
 * client sent has been counted. A client that rejects the certificate
 * closes right after its side of the handshake, often before the server's
 * side ends.
 */
export async function waitUntilClosed(mock: HttpsServer): Promise<void> {
  for (let waited = 0; mock.openConnections() > 0; waited += 10) {
    if (waited > 2_000) {
      throw new Error(
        `The mock still has ${mock.openConnections()} open connections after 2 s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
