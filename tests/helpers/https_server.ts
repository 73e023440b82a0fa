/**
 * An HTTPS server from `node:https` on 127.0.0.1, for tests that need more
 * than the servers in `servers.ts` offer. It listens on a chosen port, so a
 * test can restart a server on the same port with another certificate. It
 * accepts WebSocket upgrades and records which handshakes resumed a TLS
 * session. Like those servers, it counts the application bytes it receives.
 *
 * @module
 */

import https from "node:https";
import type http from "node:http";
import type net from "node:net";
import type tls from "node:tls";

/** Options of {@linkcode startHttpsServer}. */
export interface HttpsServerOptions {
  /** Server certificate (PEM), optionally followed by its chain. */
  cert: string;
  /** Private key (PEM). */
  key: string;
  /** Port to listen on; a free one unless given. */
  port?: number;
  /** Handles each request; replies `200 ok METHOD PATH` unless given. */
  handler?: (
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ) => void;
}

/** A running HTTPS server. */
export interface HttpsServer {
  /** The `node:https` server, for attaching a WebSocket server. */
  server: https.Server;
  /** Port the server listens on. */
  port: number;
  /** Application bytes received so far, over all connections. */
  bytesReceived(): number;
  /** Completed TLS handshakes so far. */
  handshakes(): number;
  /** For each completed handshake, in order, whether it resumed a session. */
  resumed(): boolean[];
  /** TCP connections accepted so far. */
  connectionsAccepted(): number;
  /** TCP connections that are still open, whether or not their handshake completed. */
  openConnections(): number;
  /** Stops listening and destroys every open socket. */
  close(): Promise<void>;
}

/** Starts an HTTPS server on 127.0.0.1. */
export async function startHttpsServer(
  options: HttpsServerOptions,
): Promise<HttpsServer> {
  const sockets = new Set<net.Socket>();
  const connections = new Set<net.Socket>();
  const resumed: boolean[] = [];
  let accepted = 0;
  let bytes = 0;

  const handler = options.handler ?? ((request, response) => {
    response.end(`ok ${request.method} ${request.url}`);
  });
  const server = https.createServer(
    { cert: options.cert, key: options.key },
    handler,
  );
  server.on("connection", (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    connections.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      connections.delete(socket);
    });
  });
  // Clients that reject the certificate abort the handshake; that is expected.
  server.on("tlsClientError", () => {});
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    resumed.push(socket.isSessionReused());
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (chunk: Uint8Array) => {
      bytes += chunk.length;
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("HTTPS server has no port"));
        return;
      }
      resolve(address.port);
    });
  });

  return {
    server,
    port,
    bytesReceived: () => bytes,
    handshakes: () => resumed.length,
    resumed: () => [...resumed],
    connectionsAccepted: () => accepted,
    openConnections: () => connections.size,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }),
  };
}
