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
import { cleanText } from "./_text.ts";

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

// Whitespace and control characters that remain after cleaning, which a host
// name never contains.
const FORBIDDEN =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0020\u007f-\u00a0\u2028\u2029]/;

/**
 * Parses a target. Whitespace around the text and the invisible characters
 * that copying adds (zero-width spaces, direction marks, a byte order mark)
 * are ignored, as they are in fingerprints. IPv6 addresses are returned
 * without brackets, host names lowercased (and international names in their
 * ASCII `xn--` form), and a URL's path is ignored.
 *
 * An IPv6 address without brackets is read as a whole address on the default
 * port. When its last group is a number that could be a port and the groups
 * before it form an address too, as in `::1:8443`, the text is rejected as
 * ambiguous, and the message shows both bracketed forms.
 *
 * @param text `host`, `host:port`, `[IPv6]:port` or an `https://` URL.
 * @param defaultPort Port used when the text gives none; 443 unless set.
 * An `https://` URL without a port always means 443.
 * @returns The host and port.
 * @throws {InvalidTargetError} When the text is not one of those forms, the
 * host is not a valid host name or IP address, the port is not 1–65535, or
 * an IPv6 address without brackets may end in a port.
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
  const clean = cleanText(text);
  const input = clean.text.trim();
  if (input === "") {
    throw new InvalidTargetError(
      `Invalid target: it is empty. ${ACCEPTED_FORMS}`,
      text,
    );
  }
  const forbidden = FORBIDDEN.exec(input);
  if (forbidden !== null) {
    // Report the character as given: cleaning turns a no-break space into
    // U+0020, for example.
    const start = clean.text.length - clean.text.trimStart().length;
    const position = clean.offsets[start + forbidden.index] ?? 0;
    throw new InvalidTargetError(
      `Invalid target "${input}": it contains ${
        codePoint(text[position] ?? forbidden[0])
      } at position ${position}, which a host name cannot contain. ${ACCEPTED_FORMS}`,
      text,
    );
  }

  if (URL_SCHEME.test(input)) return parseUrlTarget(input, text);
  if (input.startsWith("[")) {
    return parseBracketedTarget(input, text, defaultPort);
  }

  const colons = input.split(":").length - 1;
  if (colons > 1) return parseBareIpv6(input, text, defaultPort);
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

// Several colons without brackets: a whole IPv6 address on the default port,
// unless the last group may be a port.
function parseBareIpv6(
  input: string,
  text: string,
  defaultPort: number,
): Target {
  const colon = input.lastIndexOf(":");
  const address = input.slice(0, colon);
  const lastGroup = input.slice(colon + 1);
  const port = Number(lastGroup);
  const mayBePort = /^\d{1,5}$/.test(lastGroup) && port >= 1 &&
    port <= 65535 && isIpv6Address(address);
  if (!mayBePort) {
    return {
      host: normalizeHost(`[${input}]`, input, text),
      port: defaultPort,
    };
  }

  const withPort = `[${address}]:${lastGroup}`;
  const reason = isIpv6Address(input)
    ? `it could be the IPv6 address ${input} on port ${defaultPort}, or ${address} on port ${lastGroup}. Write [${input}] for the first or ${withPort} for the second.`
    : `an IPv6 address followed by a port needs brackets. Write ${withPort}.`;
  throw new InvalidTargetError(
    `Invalid target "${input}": ${reason} ${ACCEPTED_FORMS}`,
    text,
  );
}

function isIpv6Address(text: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(text)) return false;
  try {
    new URL(`https://[${text}]/`);
    return true;
  } catch {
    return false;
  }
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
