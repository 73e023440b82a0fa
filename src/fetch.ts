/**
 * A pinned `fetch`: the standard `fetch` signature, built on undici with a
 * connector that opens every connection through the pin check, so the pin
 * is verified inside the connection that carries the request.
 *
 * In Deno, undici reads two environment variables when it loads, so a
 * program using this module needs
 * `--allow-env=JEST_WORKER_ID,UNDICI_NO_WASM_SIMD` beside `--allow-net`.
 * Proxy environment variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
 * `NO_PROXY`) are ignored: a pinned fetch always connects directly.
 *
 * @example Fetch from a server pinned by its certificate fingerprint
 * ```ts
 * import { ConnectionError, createPinnedFetch } from "@certpin/certpin";
 * const fetch = createPinnedFetch({
 *   pins: { "127.0.0.1:4": "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=" },
 *   connectTimeout: 500,
 * });
 * try {
 *   await fetch("https://127.0.0.1:4/web_api/show-hosts");
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.log(error.kind); // refused
 * } finally {
 *   await fetch.close();
 * }
 * ```
 *
 * @module
 */

import type tls from "node:tls";
import type { LookupFunction } from "node:net";
import { isReadable } from "node:stream";
import {
  Agent,
  type buildConnector,
  fetch as undiciFetch,
  type RequestInit as UndiciRequestInit,
} from "npm:undici@7.30.3";
import { CertpinError, formatHostPort, UnpinnedHostError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { normalizePins, type PinInput } from "./match.ts";
import { parseTarget, type Target } from "./target.ts";
import { openTlsConnection } from "./connect.ts";
import { connectPinned } from "./pinned_socket.ts";
import { type PinLookup, requirePinsOrStore } from "./pin_lookup.ts";
import { pinList } from "./agent.ts";

/**
 * Pins per server. A key is `host` (every port of that host) or
 * `host:port` (that port only, preferred over the bare host), in any form
 * `parseTarget` reads. A value is one pin or a list of pins.
 */
export type PinMap = Readonly<Record<string, PinInput | readonly PinInput[]>>;

/** Options of {@linkcode createPinnedFetch}. */
export type PinnedFetchOptions =
  & {
    /**
     * Lets requests go to hosts without a pin, checked against the runtime's
     * certificate authorities and the host name instead. False unless set;
     * with false, such a request (or redirect) is rejected before any
     * connection to the host is opened.
     */
    allowUnpinned?: boolean;
    /**
     * Milliseconds from the start of a connection until its TLS handshake
     * must be complete, covering DNS, TCP and TLS; 10 000 unless given.
     */
    connectTimeout?: number;
    /**
     * Resolves host names in place of the system resolver, with the
     * signature of `dns.lookup`, for every connection, redirects included.
     * See `TlsConnectionOptions.lookup`.
     */
    lookup?: LookupFunction;
  }
  & (
    | {
      /** The pins of each server. */
      pins: PinMap;
      store?: undefined;
    }
    | {
      /**
       * The pin store; each connection takes the pins stored for its
       * `host:port` at the time it opens.
       */
      store: PinLookup;
      pins?: undefined;
    }
  );

/** A `fetch` that checks every connection against pins. */
export interface PinnedFetch {
  /**
   * Sends a request, with the standard `fetch` arguments. Only `https:`
   * URLs are accepted. Redirects follow the request's `redirect` mode. Each
   * redirect that leads to another server opens a new, pin-checked
   * connection, and a redirect to a host without a pin is rejected. After
   * 20 redirects the request fails, as the Fetch standard sets.
   *
   * @param input The URL, or a `Request` whose method, headers, body,
   * redirect mode and signal are used.
   * @param init Request options; `dispatcher` (and `client`, `proxy`) are
   * rejected, because they would connect without the pin check.
   * @returns The response. It is undici's `Response`, which has the standard
   * methods but is not an `instanceof` the runtime's `Response`.
   * @throws {PinMismatchError} When a server's certificate matches none of
   * its pins; the server received no byte of the request.
   * @throws {UnpinnedHostError} When a request or redirect goes to a host
   * without a pin, or to a plain `http:` URL through a redirect.
   * @throws {ConnectionError} When no TLS connection could be made.
   * @throws {TypeError} When the URL is not `https:`, a dispatcher or proxy is
   * given, or the request fails in the way `fetch` reports as a `TypeError`.
   */
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Closes kept-alive connections; in-flight requests finish first. */
  close(): Promise<void>;
}

/** How to reach one target: the pins, or the CA check for unpinned hosts. */
type Route = { pins: Fingerprint[] } | { ca: true };

// Options that route requests through something other than the pinned
// connector: undici's dispatcher, Deno's HttpClient, a proxy URL.
const BYPASSING_OPTIONS = ["dispatcher", "client", "proxy"] as const;

/**
 * Creates a `fetch` whose connections are checked against pins. Each
 * connection is opened by a connector that checks the server's
 * certificate at `secureConnect`, before undici writes the request; on a
 * mismatch the request fails with a {@linkcode PinMismatchError} and the
 * server receives nothing. Requests to a host without a pin are rejected
 * unless `allowUnpinned` is set. Proxies are not supported: the proxy
 * environment variables and undici's global dispatcher are never used.
 *
 * @param options The pins per server (or a pin store), whether unpinned
 * hosts are allowed, and the connect timeout.
 * @returns The pinned fetch; call its `close()` when done.
 * @throws {TypeError} When neither or both of `pins` and `store` are given, a
 * host has an empty pin list, or a `dispatcher` or `proxy` option is given.
 * @throws {InvalidTargetError} When a key of `pins` is not a host or
 * `host:port`.
 * @throws {InvalidFingerprintError} When a pin given as text cannot be read.
 *
 * @example Log in to a management API with a pinned fetch
 * ```ts
 * import { createPinnedFetch, UnpinnedHostError } from "@certpin/certpin";
 * const fetch = createPinnedFetch({
 *   pins: { "mgmt.example.test": "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=" },
 * });
 * try {
 *   await fetch("https://other.example.test/web_api/login", { method: "POST" });
 * } catch (error) {
 *   if (error instanceof UnpinnedHostError) console.log(error.host); // other.example.test
 * } finally {
 *   await fetch.close();
 * }
 * ```
 */
export function createPinnedFetch(options: PinnedFetchOptions): PinnedFetch {
  validateFetchOptions(options);
  const pinMap = options.pins === undefined
    ? undefined
    : readPinMap(options.pins);
  const store = options.store;
  const allowUnpinned = options.allowUnpinned === true;
  const timeout = options.connectTimeout;
  const lookup = options.lookup;

  const route = async (target: Target): Promise<Route> => {
    const pins = pinMap === undefined
      ? await store?.pinsFor(target.host, target.port) ?? []
      : lookUpPins(pinMap, target);
    if (pins.length > 0) return { pins };
    if (allowUnpinned) return { ca: true };
    throw new UnpinnedHostError(
      `No pin for ${formatHostPort(target.host, target.port)}${
        store === undefined ? "" : ` in the pin store ${store.path}`
      }, so the pinned fetch does not connect to it. Add a pin for this host, or set allowUnpinned to accept its certificate authority instead.`,
      target,
    );
  };

  const connect: buildConnector.connector = (connection, callback) => {
    let called = false;
    const done: typeof callback = (...args) => {
      if (called) return;
      called = true;
      callback(...args);
    };
    openConnection(connection, route, { timeout, lookup }).then(
      (socket) => done(null, socket),
      (error: Error) => done(error, null),
    );
  };
  const dispatcher = new Agent({ connect });

  const pinnedFetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    rejectBypassingOptions(init, "the request");
    const { url, requestInit } = await toUndiciRequest(input, init);
    if (url.protocol !== "https:") {
      throw new TypeError(
        `Cannot fetch "${url.href}": a pinned fetch makes only https: requests, because a plain HTTP server has no certificate to check`,
      );
    }
    try {
      const response = await undiciFetch(url, {
        ...requestInit,
        dispatcher,
      });
      markBodyReadable(response.body);
      return response as unknown as Response;
    } catch (error) {
      // undici reports connector errors as TypeError("fetch failed") with
      // the connector's error as cause; callers branch on certpin's classes.
      if (error instanceof TypeError && error.cause instanceof CertpinError) {
        throw error.cause;
      }
      throw error;
    }
  };
  return Object.assign(pinnedFetch, {
    close: (): Promise<void> => dispatcher.close(),
  });
}

/** Options of {@linkcode pinnedFetch}: a request's options and its pin. */
export type PinnedFetchInit = RequestInit & {
  /** The pin (or pins) of the URL's `host:port`. */
  pin: PinInput | readonly PinInput[];
  /** Milliseconds until the TLS handshake must be complete; 10 000 unless given. */
  connectTimeout?: number;
};

/**
 * Sends one request to a server pinned for this call only. Redirects are
 * followed only within the same `host:port`; a redirect elsewhere is
 * rejected with an {@linkcode UnpinnedHostError}. The connection is closed
 * once the response body has been read or cancelled, so read or cancel it.
 *
 * @param url An `https:` URL.
 * @param init Request options and the `pin` of the URL's host and port.
 * @returns The response.
 * @throws {PinMismatchError} When the certificate matches none of the pins;
 * the server received no byte of the request.
 * @throws {UnpinnedHostError} When a redirect leads to another host or port.
 * @throws {ConnectionError} When no TLS connection could be made.
 * @throws {InvalidFingerprintError} When the pin cannot be read.
 * @throws {TypeError} When the URL is not `https:` or a dispatcher is given.
 *
 * @example
 * ```ts
 * import { CertpinError, pinnedFetch } from "@certpin/certpin";
 * try {
 *   await pinnedFetch("https://127.0.0.1:4/", {
 *     pin: "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=",
 *     connectTimeout: 500,
 *   });
 * } catch (error) {
 *   if (error instanceof CertpinError) console.log(error.code); // CONNECTION_FAILED
 * }
 * ```
 */
export async function pinnedFetch(
  url: string | URL,
  init: PinnedFetchInit,
): Promise<Response> {
  const { pin, connectTimeout, ...requestInit } = init;
  const href = String(url);
  if (!href.toLowerCase().startsWith("https://")) {
    throw new TypeError(
      `Cannot fetch "${href}": a pinned fetch makes only https: requests, because a plain HTTP server has no certificate to check`,
    );
  }
  const target = parseTarget(href);
  const fetch = createPinnedFetch({
    pins: { [formatHostPort(target.host, target.port)]: pin },
    ...(connectTimeout === undefined ? {} : { connectTimeout }),
  });
  try {
    return await fetch(url, requestInit);
  } finally {
    // close() waits until the response body has been read, then ends the
    // connection, so the caller need not wait for it. It rejects only when
    // the dispatcher is already destroyed, which leaves nothing to close.
    fetch.close().catch(() => undefined);
  }
}

/** Opens the connection undici asked for, pinned or CA-checked. */
async function openConnection(
  connection: buildConnector.Options,
  route: (target: Target) => Promise<Route>,
  { timeout, lookup }: {
    timeout: number | undefined;
    lookup: LookupFunction | undefined;
  },
): Promise<tls.TLSSocket> {
  const defaultPort = connection.protocol === "https:" ? 443 : 80;
  const target = {
    host: connection.hostname,
    port: connection.port === "" ? defaultPort : Number(connection.port),
  };
  if (connection.protocol !== "https:") {
    // Only a redirect gets here, because the fetch itself checks the URL.
    throw new UnpinnedHostError(
      `Redirect to plain HTTP at ${
        formatHostPort(target.host, target.port)
      } rejected: a pinned fetch makes only HTTPS requests, because a plain HTTP server has no certificate to check.`,
      target,
    );
  }
  const how = await route(target);
  const common = {
    host: target.host,
    port: target.port,
    alpnProtocols: ["http/1.1"],
    ...(connection.servername ? { servername: connection.servername } : {}),
    ...(timeout === undefined ? {} : { timeout }),
    ...(lookup === undefined ? {} : { lookup }),
  };
  if ("pins" in how) return await connectPinned({ ...common, pins: how.pins });
  return await openTlsConnection({ ...common, verify: "pin+ca" });
}

/**
 * Lets undici end a response body with an error in Deno. undici 7.30.3
 * errors the body of a broken or aborted fetch only when `node:stream`'s
 * `isReadable(body)` returns true. Node computes that from a symbol its web
 * streams carry; Deno 2.9.6's web streams lack it, so `isReadable` returns
 * null and reading such a body never settled. Giving the body that symbol
 * makes undici error it in both runtimes.
 *
 * NOTE: the getter returns true even once the body has closed. undici only
 * errors the stream when it does, which does nothing to a closed stream.
 */
function markBodyReadable(body: object | null): void {
  if (body === null || isReadable(body as never) !== null) return;
  Object.defineProperty(body, Symbol.for("nodejs.stream.readable"), {
    get: () => true,
    configurable: true,
  });
}

/** Parses the keys and pins of a pin map, merging keys that name one target. */
function readPinMap(pins: PinMap): Map<string, Fingerprint[]> {
  const map = new Map<string, Fingerprint[]>();
  for (const [key, value] of Object.entries(pins)) {
    // parseTarget fills in the default port only when the key gives none,
    // so two different defaults tell whether the key names a port.
    const target = parseTarget(key, 1);
    const anyPort = parseTarget(key, 2).port !== target.port;
    const mapKey = anyPort ? target.host : targetKey(target);
    const list = pinList(value);
    if (list.length === 0) {
      throw new TypeError(
        `Cannot create a pinned fetch: the pin list of "${key}" is empty; give at least one fingerprint or public-key pin`,
      );
    }
    map.set(mapKey, [...map.get(mapKey) ?? [], ...normalizePins(list)]);
  }
  return map;
}

function lookUpPins(
  map: Map<string, Fingerprint[]>,
  target: Target,
): Fingerprint[] {
  return map.get(targetKey(target)) ?? map.get(target.host) ?? [];
}

function targetKey(target: Target): string {
  return `${target.host}\n${target.port}`;
}

function validateFetchOptions(options: PinnedFetchOptions): void {
  requirePinsOrStore(options, "a pinned fetch");
  rejectBypassingOptions(options, "createPinnedFetch()");
}

function rejectBypassingOptions(options: object, where: string): void {
  for (const name of BYPASSING_OPTIONS) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      throw new TypeError(
        `Cannot use the "${name}" option in ${where}: it would send requests through a connection certpin does not check. A pinned fetch always connects directly; proxies are not supported.`,
      );
    }
  }
}

/**
 * Turns fetch arguments into a URL and undici request options. A `Request`
 * of the runtime is not undici's class, so its parts are copied. Its body
 * is read into memory, which also lets a redirect send it again.
 */
async function toUndiciRequest(
  input: string | URL | Request,
  init: RequestInit,
): Promise<{ url: URL; requestInit: UndiciRequestInit }> {
  if (typeof input === "string" || input instanceof URL) {
    return {
      url: new URL(input),
      requestInit: init as unknown as UndiciRequestInit,
    };
  }
  const fromRequest: UndiciRequestInit = {
    method: input.method,
    headers: [...input.headers],
    redirect: input.redirect,
    signal: input.signal,
    ...(input.body === null ? {} : { body: await input.arrayBuffer() }),
  };
  return {
    url: new URL(input.url),
    requestInit: { ...fromRequest, ...init as unknown as UndiciRequestInit },
  };
}
