/**
 * The interface through which the pinned agent and the pinned fetch look up
 * the pins of each target, so the clients depend on no store file format.
 * `PinStore` implements it.
 *
 * @module
 */

import type { Fingerprint } from "./fingerprint.ts";

/**
 * A source of pins per target, such as the pin store. The pinned agent calls
 * `pinsForSync` while it opens a connection, and the pinned fetch calls
 * `pinsFor`, so a source needs both.
 */
export interface PinLookup {
  /** Path of the store file, named in the error for a target without pins. */
  readonly path: string;
  /**
   * Looks up the pins of one target.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The pins; empty when the target has none.
   */
  pinsFor(host: string, port: number): Promise<Fingerprint[]>;
  /**
   * Looks up the pins of one target synchronously.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The pins; empty when the target has none.
   */
  pinsForSync(host: string, port: number): Fingerprint[];
}

/**
 * Checks that a client's options give exactly one source of pins: a pin list
 * or map as `pins`, or a {@linkcode PinLookup} as `store`.
 *
 * @param options The client's options.
 * @param client What is being created, for the message, such as "a pinned agent".
 * @throws {TypeError} When neither or both are given.
 */
export function requirePinsOrStore(
  options: { pins?: unknown; store?: unknown },
  client: string,
): void {
  const hasPins = options.pins !== undefined;
  const hasStore = options.store !== undefined;
  if (hasPins === hasStore) {
    throw new TypeError(
      `Cannot create ${client}: give either "pins" or "store", ${
        hasPins ? "not both" : "got neither"
      }`,
    );
  }
}
