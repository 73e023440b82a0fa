/**
 * Local TLS servers for the benchmarks that can reply late: many
 * listening ports lead to one TLS server, and each accepted connection can
 * wait a set time before the handshake starts, as over a slow link.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";

/** Many listening ports that all lead to one TLS server. */
export interface ServerFarm {
  ports: number[];
  /** Milliseconds that closed connections were open in total, and their count, since the last reset. */
  openTime(): { totalMs: number; connections: number };
  /** Starts counting open time from zero. */
  resetOpenTime(): void;
  close(): Promise<void>;
}

/**
 * Starts `count` TCP servers on 127.0.0.1 that hand each connection, after
 * `delayMs`, to one shared TLS server, so the server's first reply comes
 * late as it would over a slow link.
 */
export async function startServerFarm(
  cert: string,
  key: string,
  count: number,
  delayMs: number,
): Promise<ServerFarm> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const tlsServer = tls.createServer({ cert, key });
  // Clients close each connection right after the handshake.
  tlsServer.on("tlsClientError", () => {});
  tlsServer.on("secureConnection", (socket: tls.TLSSocket) => {
    socket.on("error", () => {});
  });

  let totalMs = 0;
  let connections = 0;
  const accept = (socket: net.Socket): void => {
    const opened = performance.now();
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      totalMs += performance.now() - opened;
      connections++;
    });
    socket.on("error", () => {});
    if (delayMs === 0) {
      tlsServer.emit("connection", socket);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      tlsServer.emit("connection", socket);
    }, delayMs);
    timers.add(timer);
  };

  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let index = 0; index < count; index++) {
    const server = net.createServer(accept);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    servers.push(server);
    ports.push((server.address() as net.AddressInfo).port);
  }

  return {
    ports,
    openTime: () => ({ totalMs, connections }),
    resetOpenTime() {
      totalMs = 0;
      connections = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        servers.map((server) =>
          new Promise<void>((resolve) => server.close(() => resolve()))
        ),
      );
    },
  };
}
