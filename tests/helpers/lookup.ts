/**
 * Resolvers for the `lookup` connection option, so that tests which connect
 * to a host name never send a DNS query off this machine.
 *
 * @module
 */

import type { LookupFunction } from "node:net";
import process from "node:process";

/** A `lookup` function that records the names it was asked for. */
export interface LocalLookup {
  /** The function to pass as the `lookup` option. */
  lookup: LookupFunction;
  /** Every host name passed to `lookup`, in call order. */
  calls: string[];
  /** The errors `lookup` reported, in call order. */
  errors: NodeJS.ErrnoException[];
}

/**
 * Creates a resolver that maps the given names to IP addresses and fails
 * every other name with `ENOTFOUND`, as the system resolver reports a name
 * that does not exist. The error has the code, `syscall` and `hostname` of
 * a real `getaddrinfo` failure.
 *
 * @param names Host name to IPv4 or IPv6 address, such as
 * `{ "fw.example.test": "127.0.0.1" }`; empty unless given.
 * @returns The function and the calls it received.
 */
export function localLookup(names: Record<string, string> = {}): LocalLookup {
  const calls: string[] = [];
  const errors: NodeJS.ErrnoException[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    const address = names[hostname];
    if (address === undefined) {
      const error: NodeJS.ErrnoException = Object.assign(
        new Error(`getaddrinfo ENOTFOUND ${hostname}`),
        { code: "ENOTFOUND", syscall: "getaddrinfo", hostname },
      );
      errors.push(error);
      process.nextTick(() => callback(error, "", 0));
      return;
    }
    const family = address.includes(":") ? 6 : 4;
    // Node 20 and Deno 2.9.6 ask for every address (`all: true`), since
    // they try each address in turn; other callers ask for one.
    process.nextTick(() =>
      options.all === true
        ? callback(null, [{ address, family }])
        : callback(null, address, family)
    );
  };
  return { lookup, calls, errors };
}

/**
 * Creates a resolver that never calls back, like a DNS server that does not
 * answer, for testing the deadline while a name is resolved.
 *
 * @returns The function and the calls it received.
 */
export function silentLookup(): LocalLookup {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname) => {
    calls.push(hostname);
  };
  return { lookup, calls, errors: [] };
}
