// Writing a host and port the way URLs and error messages show them.

/**
 * Formats a host and port as `host:port`, with brackets around IPv6
 * addresses.
 *
 * @param host Host name or IP address, without brackets.
 * @param port TCP port.
 * @returns The joined text, such as `[::1]:443`.
 *
 * @example
 * ```ts
 * import { formatHostPort } from "./errors.ts";
 * console.log(formatHostPort("127.0.0.1", 443)); // 127.0.0.1:443
 * console.log(formatHostPort("::1", 443)); // [::1]:443
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
