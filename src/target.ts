/**
 * Reading targets, the host and port to connect to, from the forms users
 * type: `host`, `host:port`, `[IPv6]:port` and `https://host:port/path`.
 *
 * @example
 * ```ts
 * import { parseTarget } from "@certpin/certpin";
 * console.log(parseTarget("https://FW.example.test:4434/web_api/"));
 * // { host: "fw.example.test", port: 4434 }
 * console.log(parseTarget("[::1]:8443")); // { host: "::1", port: 8443 }
 * ```
 *
 * @module
 */

import { InvalidTargetError } from "./errors.ts";

/** A host and port to connect to. */
export interface Target {
  /** Host name or IP address, without brackets; host names lowercased. */
  host: string;
  /** TCP port. */
  port: number;
}

const ACCEPTED_FORMS =
  "Give host, host:port, [IPv6]:port or https://host:port/path, such as 192.0.2.10:443.";

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

// Whitespace inside the text and characters that paste invisibly, which a
// host name never contains: controls, soft hyphen, zero-width and bidi marks.
const INVISIBLE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0020\u007f-\u00a0\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;

/**
 * Parses a target. Whitespace around the text is ignored; IPv6 addresses
 * are returned without brackets, host names lowercased (and international
 * names in their ASCII `xn--` form), and a URL's path is ignored.
 *
 * @param text `host`, `host:port`, `[IPv6]:port` or an `https://` URL.
 * @param defaultPort Port used when the text gives none; 443 unless set.
 * An `https://` URL without a port always means 443.
 * @returns The host and port.
 * @throws {InvalidTargetError} When the text is not one of those forms, the
 * host is not a valid host name or IP address, or the port is not 1–65535.
 * @throws {RangeError} When `defaultPort` is not a port number.
 *
 * @example
 * ```ts
 * import { parseTarget } from "@certpin/certpin";
 * console.log(parseTarget("192.0.2.10")); // { host: "192.0.2.10", port: 443 }
 * console.log(parseTarget("fw.example.test", 4434)); // { host: "fw.example.test", port: 4434 }
 * ```
 */
export function parseTarget(text: string, defaultPort = 443): Target {
  if (
    !Number.isInteger(defaultPort) || defaultPort < 1 || defaultPort > 65535
  ) {
    throw new RangeError(
      `Cannot use ${defaultPort} as the default port: expected a whole number from 1 to 65535`,
    );
  }
  const input = text.trim();
  if (input === "") {
    throw new InvalidTargetError(
      `Invalid target: it is empty. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  const invisible = INVISIBLE.exec(input);
  if (invisible !== null) {
    throw new InvalidTargetError(
      `Invalid target "${input}": it contains ${
        codePoint(invisible[0])
      } at position ${invisible.index}, which a host name cannot contain. Type the target again instead of pasting it. ${ACCEPTED_FORMS}`,
      text,
    );
  }

  if (URL_SCHEME.test(input)) return parseUrlTarget(input, text);
  if (input.startsWith("[")) {
    return parseBracketedTarget(input, text, defaultPort);
  }

  const colons = input.split(":").length - 1;
  if (colons > 1) {
    // Several colons without brackets: only a bare IPv6 address, no port.
    return {
      host: normalizeHost(`[${input}]`, input, text),
      port: defaultPort,
    };
  }
  if (colons === 1) {
    const colon = input.indexOf(":");
    return {
      host: normalizeHost(input.slice(0, colon), input, text),
      port: parsePort(input.slice(colon + 1), input, text),
    };
  }
  return { host: normalizeHost(input, input, text), port: defaultPort };
}

function parseUrlTarget(input: string, text: string): Target {
  const scheme = URL_SCHEME.exec(input)?.[1]?.toLowerCase();
  if (scheme !== "https") {
    throw new InvalidTargetError(
      `Invalid target "${input}": certpin connects with TLS, so a URL must start with https://, not ${scheme}://. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InvalidTargetError(
      `Invalid target "${input}": it is not a valid URL. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  if (url.username !== "" || url.password !== "") {
    // The message leaves the text out, because it contains a password.
    throw new InvalidTargetError(
      `Invalid target: the URL contains a user name or password, which certpin does not use. Remove the part before "@". ${ACCEPTED_FORMS}`,
      `https://${url.host}${url.pathname}`,
    );
  }
  if (url.hostname === "") {
    throw new InvalidTargetError(
      `Invalid target "${input}": the URL has no host. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  return {
    host: stripBrackets(url.hostname),
    port: url.port === "" ? 443 : parsePort(url.port, input, text),
  };
}

function parseBracketedTarget(
  input: string,
  text: string,
  defaultPort: number,
): Target {
  const match = /^\[([^\]]*)\](?::(.*))?$/.exec(input);
  if (match === null) {
    throw new InvalidTargetError(
      `Invalid target "${input}": an IPv6 address in brackets must be followed by nothing or by ":port". ${ACCEPTED_FORMS}`,
      text,
    );
  }
  const address = match[1] ?? "";
  if (!address.includes(":")) {
    throw new InvalidTargetError(
      `Invalid target "${input}": brackets are only for IPv6 addresses, and "${address}" is not one. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  return {
    host: normalizeHost(`[${address}]`, input, text),
    port: match[2] === undefined
      ? defaultPort
      : parsePort(match[2], input, text),
  };
}

function parsePort(port: string, input: string, text: string): number {
  const number = Number(port);
  if (!/^\d{1,5}$/.test(port) || number < 1 || number > 65535) {
    throw new InvalidTargetError(
      `Invalid target "${input}": port "${port}" is not a whole number from 1 to 65535. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  return number;
}

/**
 * Validates a host with the WHATWG URL host parser, which lowercases names,
 * converts international names to `xn--` form and writes IP addresses in
 * their shortest form.
 */
function normalizeHost(host: string, input: string, text: string): string {
  const invalid = (): InvalidTargetError =>
    new InvalidTargetError(
      `Invalid target "${input}": "${host}" is not a valid host name or IP address. ${ACCEPTED_FORMS}`,
      text,
    );
  if (host === "" || host === "[]" || /[/?#@%\\]/.test(host)) throw invalid();
  try {
    return stripBrackets(new URL(`https://${host}/`).hostname);
  } catch {
    throw invalid();
  }
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function codePoint(character: string): string {
  return `U+${
    (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")
  }`;
}
