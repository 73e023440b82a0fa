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
