/**
 * The pin store: a JSON file that maps each target (`host:port`) to its
 * pins, so scripts and `certpin check` share the pins an administrator
 * recorded once. Writes are atomic, the file is private to its owner (mode
 * 0600), and writers in several processes take turns through a lock file.
 *
 * @example Record a pin and read it back
 * ```ts
 * import { parseFingerprint, PinStore } from "@certpin/certpin";
 * const folder = await Deno.makeTempDir();
 * const store = new PinStore({ path: `${folder}/pins.json` });
 * await store.addPin("fw.example.test", 443, {
 *   pin: parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D"),
 *   added: new Date(),
 *   addedBy: "example",
 * });
 * console.log((await store.pinsFor("fw.example.test", 443)).map(String));
 * await Deno.remove(folder, { recursive: true });
 * ```
 *
 * @module
 */

import process from "node:process";
import type { Fingerprint } from "./fingerprint.ts";
import {
  type AddPinResult,
  addPinToEntries,
  type PinConflictAction,
  type PinnedCertificate,
  type PinRecord,
  type PinStoreEntry,
} from "./store_records.ts";
import { resolvePinStorePath } from "./store_path.ts";
import { targetKey } from "./_store_file.ts";
import { readStoreFile, updateStoreFile } from "./_store_io.ts";

export type {
  AddPinResult,
  PinConflictAction,
  PinnedCertificate,
  PinRecord,
  PinStoreEntry,
};
export { defaultPinStorePath, resolvePinStorePath } from "./store_path.ts";

/** Options of {@linkcode PinStore}. */
export interface PinStoreOptions {
  /**
   * Path of the store file. Unless given: `CERTPIN_STORE` from `env`, then
   * {@linkcode defaultPinStorePath}.
   */
  path?: string;
  /** Milliseconds to wait for another writer's lock; 10 000 unless given. */
  lockTimeout?: number;
  /** Environment variables to read `CERTPIN_STORE` from; the process's unless given. */
  env?: Record<string, string | undefined>;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * The pin store file. Reading needs no lock, because writers replace the
 * file in one rename. Every change reads, modifies and writes the file while
 * holding the lock file `PATH.lock`, so concurrent writers lose no entry.
 * A file that cannot be read is never overwritten.
 *
 * @example Look up the pins of a target
 * ```ts
 * import { PinStore } from "@certpin/certpin";
 * const store = new PinStore({ path: "tests/fixtures/does-not-exist.json" });
 * console.log(await store.pinsFor("192.0.2.10", 443)); // []
 * ```
 */
export class PinStore {
  /** Absolute path of the store file. */
  readonly path: string;
  readonly #lockTimeout: number;

  /**
   * Opens a store; the file is read on each call and created on the first
   * change.
   *
   * @param options The file's path and the lock timeout.
   */
  constructor(options: PinStoreOptions = {}) {
    this.path = resolvePinStorePath(options.path, options.env ?? process.env);
    this.#lockTimeout = options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  /**
   * Reads every entry, in file order.
   *
   * @returns The entries; none when the file does not exist.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * console.log((await store.entries()).map((entry) => entry.host)); // [ "fw.example.test" ]
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  entries(): Promise<PinStoreEntry[]> {
    return new Promise((resolve) => resolve(this.entriesSync()));
  }

  /**
   * Reads every entry synchronously, for code that cannot wait, such as a
   * TLS `checkServerIdentity` callback.
   *
   * @returns The entries; none when the file does not exist.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * console.log(store.entriesSync().map((entry) => entry.port)); // [ 443 ]
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  entriesSync(): PinStoreEntry[] {
    return [...readStoreFile(this.path).values()];
  }

  /**
   * Reads the entry of one target.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The entry, or `undefined` when the target has no pins.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * console.log((await store.get("FW.example.test", 443))?.pins[0]?.addedBy); // example
   * console.log(await store.get("fw.example.test", 8443)); // undefined
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  get(host: string, port: number): Promise<PinStoreEntry | undefined> {
    return new Promise((resolve) =>
      resolve(readStoreFile(this.path).get(targetKey(host, port)))
    );
  }

  /**
   * Returns the pins of one target, for a pinned client.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The pins; empty when the target has none.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * console.log((await store.pinsFor("fw.example.test", 443)).map(String)); // [ "SHA-1:A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D" ]
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  pinsFor(host: string, port: number): Promise<Fingerprint[]> {
    return new Promise((resolve) => resolve(this.pinsForSync(host, port)));
  }

  /**
   * Returns the pins of one target synchronously.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The pins; empty when the target has none.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * console.log(store.pinsForSync("fw.example.test", 443).length); // 1
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  pinsForSync(host: string, port: number): Fingerprint[] {
    const entry = readStoreFile(this.path).get(targetKey(host, port));
    return entry?.pins.map((record) => record.pin) ?? [];
  }

  /**
   * Stores a pin for a target. When the target already has pins,
   * `onConflict` decides: `reject` (the default) leaves the store as it was,
   * `append` keeps them beside the new pin, and `replace` drops every other
   * pin, also when the new pin was among them.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @param record The pin and where it came from.
   * @param onConflict What to do when a different pin is stored.
   * @returns The outcome and the entry as it was before.
   * @throws {PinStoreError} When the file is invalid, locked or not writable.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * const other = parseFingerprint("sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=");
   * const record = { pin: other, added: new Date(), addedBy: "example" };
   * console.log((await store.addPin("fw.example.test", 443, record)).status); // conflict
   * console.log((await store.addPin("fw.example.test", 443, record, "append")).status); // appended
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  addPin(
    host: string,
    port: number,
    record: PinRecord,
    onConflict: PinConflictAction = "reject",
  ): Promise<AddPinResult> {
    return this.update((entries) =>
      addPinToEntries(entries, host, port, record, onConflict)
    );
  }

  /**
   * Removes a target and its pins.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The removed entry, or `undefined` when the target had none.
   * @throws {PinStoreError} When the file is invalid, locked or not writable.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * console.log((await store.remove("fw.example.test", 443))?.pins.length); // 1
   * console.log(await store.pinsFor("fw.example.test", 443)); // []
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  remove(host: string, port: number): Promise<PinStoreEntry | undefined> {
    return this.update((entries) => {
      const key = targetKey(host, port);
      const removed = entries.get(key);
      entries.delete(key);
      return removed;
    });
  }

  /**
   * Changes the store under its lock: reads the file, lets `change` edit
   * the entries (keyed `host:port`, as `formatHostPort()` writes
   * them), and writes the file when anything changed.
   *
   * @param change Edits the entries in place and returns any result.
   * @returns What `change` returned.
   * @throws {PinStoreError} When the file is invalid, locked or not writable.
   *
   * @example
   * ```ts
   * import { parseFingerprint, PinStore } from "@certpin/certpin";
   * const folder = await Deno.makeTempDir();
   * const store = new PinStore({ path: `${folder}/pins.json` });
   * const pin = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
   * await store.addPin("fw.example.test", 443, { pin, added: new Date(), addedBy: "example" });
   * const removed = await store.update((entries) => {
   *  const hosts = [...entries.values()].map((entry) => entry.host);
   *  entries.clear();
   *  return hosts;
   * });
   * console.log(removed, (await store.entries()).length); // [ "fw.example.test" ] 0
   * await Deno.remove(folder, { recursive: true });
   * ```
   */
  update<T>(
    change: (entries: Map<string, PinStoreEntry>) => T,
  ): Promise<T> {
    return updateStoreFile(this.path, this.#lockTimeout, change);
  }
}
