/**
 * Local servers for tests, listening on 127.0.0.1 (or ::1) on a free port.
 * Each counts the application bytes it receives, so a test can prove that a
 * client sent nothing, and `close()` ends every open socket.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import { constants } from "node:crypto";
import { Buffer } from "node:buffer";

/** An HTTP request as the TLS server's HTTP responder read it. */
export interface ReceivedRequest {
  /** Request method, such as `GET`. */
  method: string;
  /** Request target, such as `/web_api/login`. */
  path: string;
  /** Header fields, names lowercased; repeated fields joined with ", ". */
  headers: Record<string, string>;
  /** The request body, decoded from Content-Length or chunked framing. */
  body: string;
}

/** A response for the HTTP responder to send. */
export interface ResponseToSend {
  /** Status code; 200 unless given. */
  status?: number;
  /** Extra header fields. */
  headers?: Record<string, string>;
  /** Body text; empty unless given. */
  body?: string;
}

/** Options of {@linkcode startTlsServer}. */
export interface TlsServerOptions {
  /** Server certificate (PEM), optionally followed by its chain. */
  cert: string;
  /** Private key (PEM). */
  key: string;
  /** Address to listen on; 127.0.0.1 unless given. */
  host?: string;
  /**
   * What the server does with received data: `http` responds to HTTP/1.1
   * requests (with `handler`, or 200 and a JSON echo of the request),
   * `echo` writes every byte back, `none` only counts. `http` unless given.
   */
  respond?: "http" | "echo" | "none";
  /** Builds the response to each HTTP request, for `respond: "http"`. */
  handler?: (request: ReceivedRequest) => ResponseToSend;
  /** Whether the server issues session tickets; true unless set to false. */
  sessionTickets?: boolean;
  /** Called with each socket once its handshake completed. */
  onSecureConnection?: (socket: tls.TLSSocket) => void;
}

/** A running local server. */
export interface LocalServer {
  /** Address the server listens on. */
  host: string;
  /** Port the server listens on. */
  port: number;
  /** Application bytes received so far, over all connections. */
  bytesReceived(): number;
  /** Connections accepted so far (TLS: completed handshakes). */
  connections(): number;
  /** HTTP requests read so far, for `respond: "http"`. */
  requests(): ReceivedRequest[];
  /** Connections still open (TLS: past the handshake). */
  openConnections(): number;
  /** Stops listening and destroys every open socket. */
  close(): Promise<void>;
}

/** Starts a TLS server with the given certificate and key. */
export async function startTlsServer(
  options: TlsServerOptions,
): Promise<LocalServer> {
  const respond = options.respond ?? "http";
  const sockets = new Set<net.Socket>();
  const secureSockets = new Set<net.Socket>();
  const requests: ReceivedRequest[] = [];
  let bytes = 0;
  let handshakes = 0;

  const server = tls.createServer({
    cert: options.cert,
    key: options.key,
    ...(options.sessionTickets === false
      ? { secureOptions: constants.SSL_OP_NO_TICKET }
      : {}),
  });
  server.on("connection", (socket: net.Socket) => track(sockets, socket));
  // Clients that reject the certificate abort the handshake; that is expected.
  server.on("tlsClientError", () => {});
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    handshakes++;
    track(sockets, socket);
    track(secureSockets, socket);
    options.onSecureConnection?.(socket);
    const http = new HttpResponder(socket, requests, options.handler);
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (respond === "echo") socket.write(chunk);
      if (respond === "http") http.receive(chunk);
    });
  });

  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, host);
  return {
    host,
    port,
    bytesReceived: () => bytes,
    connections: () => handshakes,
    requests: () => [...requests],
    openConnections: () => secureSockets.size,
    close: () => closeServer(server, sockets),
  };
}

/** Starts a TCP server that accepts connections and never sends a byte. */
export function startSilentServer(host = "127.0.0.1"): Promise<LocalServer> {
  return startTcpServer(host, () => {});
}

/**
 * Starts a plain HTTP server, without TLS: it responds to whatever arrives with
 * `400 Bad Request` and closes, as web servers respond to a TLS ClientHello.
 */
export function startPlainHttpServer(
  host = "127.0.0.1",
): Promise<LocalServer> {
  return startTcpServer(host, (socket) => {
    socket.once("data", () => {
      socket.end(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n" +
          "Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n",
      );
    });
  });
}

/**
 * Starts a TCP server that counts connections and bytes received, and hands
 * each connection to `onConnection` for the rest.
 */
async function startTcpServer(
  host: string,
  onConnection: (socket: net.Socket) => void,
): Promise<LocalServer> {
  const sockets = new Set<net.Socket>();
  let bytes = 0;
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    track(sockets, socket);
    onConnection(socket);
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
  });
  const port = await listen(server, host);
  return {
    host,
    port,
    bytesReceived: () => bytes,
    connections: () => accepted,
    requests: () => [],
    openConnections: () => sockets.size,
    close: () => closeServer(server, sockets),
  };
}

/**
 * Returns a port on 127.0.0.1 with nothing listening: one the system just
 * assigned and released. Another process could take it in between, but on
 * a test machine that is rare.
 */
export async function findRefusedPort(host = "127.0.0.1"): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Returns true when this machine can listen on the IPv6 loopback ::1. */
export async function ipv6LoopbackAvailable(): Promise<boolean> {
  const server = net.createServer();
  try {
    await listen(server, "::1");
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once the condition holds, checking every 5 ms; rejects after
 * `timeout` milliseconds (2000 unless given) naming what was awaited.
 */
export async function waitUntil(
  condition: () => boolean,
  description: string,
  timeout = 2000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeout} ms waiting until ${description}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function track(sockets: Set<net.Socket>, socket: net.Socket): void {
  sockets.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
}

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error(`Server on ${host} has no port`));
        return;
      }
      resolve(address.port);
    });
  });
}

function closeServer(
  server: net.Server,
  sockets: Set<net.Socket>,
): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });
}

/**
 * A minimal HTTP/1.1 server side for one connection: reads requests with
 * Content-Length or chunked bodies, responds to each, and keeps the connection
 * open unless the client asks to close it.
 */
class HttpResponder {
  #buffer = Buffer.alloc(0);

  constructor(
    private readonly socket: tls.TLSSocket,
    private readonly requests: ReceivedRequest[],
    private readonly handler?: (request: ReceivedRequest) => ResponseToSend,
  ) {}

  receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    let request = this.#takeRequest();
    while (request !== undefined) {
      this.requests.push(request);
      this.#respond(request);
      request = this.#takeRequest();
    }
  }

  #takeRequest(): ReceivedRequest | undefined {
    const headEnd = this.#buffer.indexOf("\r\n\r\n");
    if (headEnd === -1) return undefined;
    const [requestLine = "", ...fieldLines] = this.#buffer
      .subarray(0, headEnd).toString("latin1").split("\r\n");
    const [method = "", path = ""] = requestLine.split(" ");
    const headers: Record<string, string> = {};
    for (const line of fieldLines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined
        ? value
        : `${headers[name]}, ${value}`;
    }

    const bodyStart = headEnd + 4;
    const body = headers["transfer-encoding"]?.toLowerCase() === "chunked"
      ? readChunked(this.#buffer, bodyStart)
      : readFixed(this.#buffer, bodyStart, headers["content-length"]);
    if (body === undefined) return undefined;
    this.#buffer = this.#buffer.subarray(body.end);
    return { method, path, headers, body: body.text };
  }

  #respond(request: ReceivedRequest): void {
    const response = this.handler?.(request) ??
      { body: JSON.stringify({ method: request.method, path: request.path }) };
    const body = Buffer.from(response.body ?? "");
    const close = request.headers["connection"]?.toLowerCase() === "close";
    const fields = {
      "content-type": "application/json",
      ...response.headers,
      "content-length": String(body.length),
      ...(close ? { connection: "close" } : {}),
    };
    const head = [
      `HTTP/1.1 ${response.status ?? 200} ${reasonPhrase(response.status)}`,
      ...Object.entries(fields).map(([name, value]) => `${name}: ${value}`),
    ].join("\r\n");
    this.socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]));
    if (close) this.socket.end();
  }
}

function readFixed(
  buffer: Buffer,
  start: number,
  contentLength: string | undefined,
): { text: string; end: number } | undefined {
  const length = Number(contentLength ?? "0");
  if (buffer.length < start + length) return undefined;
  return {
    text: buffer.subarray(start, start + length).toString("utf8"),
    end: start + length,
  };
}

function readChunked(
  buffer: Buffer,
  start: number,
): { text: string; end: number } | undefined {
  const parts: Buffer[] = [];
  let position = start;
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", position);
    if (lineEnd === -1) return undefined;
    const size = parseInt(
      buffer.subarray(position, lineEnd).toString("latin1"),
      16,
    );
    const dataStart = lineEnd + 2;
    if (buffer.length < dataStart + size + 2) return undefined;
    if (size === 0) {
      // No trailer fields are expected: the last chunk ends with CRLF CRLF.
      const end = buffer.indexOf("\r\n\r\n", lineEnd);
      if (end === -1) return undefined;
      return { text: Buffer.concat(parts).toString("utf8"), end: end + 4 };
    }
    parts.push(buffer.subarray(dataStart, dataStart + size));
    position = dataStart + size + 2;
  }
}

function reasonPhrase(status = 200): string {
  const phrases: Record<number, string> = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
  };
  return phrases[status] ?? "Status";
}
