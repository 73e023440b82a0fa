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

import { mkdirSync, readFileSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve, win32 } from "node:path";
import process from "node:process";
import { formatHostPort, PinStoreError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import {
  decodeStore,
  encodeStore,
  normalizeTarget,
  type PinnedCertificate,
  type PinRecord,
  type PinStoreEntry,
  targetKey,
} from "./_store_file.ts";
import { errorCode, LockTimeoutError, withFileLock } from "./_file_lock.ts";
import {
  removeLeftoverTemporaryFiles,
  writeFileAtomic,
} from "./atomic_write.ts";

export type { PinnedCertificate, PinRecord, PinStoreEntry };

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

/** Action taken when a target already has a different pin. */
export type PinConflictAction = "reject" | "replace" | "append";

/** The outcome of {@linkcode PinStore.addPin}. */
export interface AddPinResult {
  /**
   * `added` for a new target, `already-pinned` when the same pin was stored,
   * `conflict` when a different pin was stored and the store was left as it
   * was, `replaced` and `appended` after the matching conflict action.
   */
  status: "added" | "already-pinned" | "conflict" | "replaced" | "appended";
  /** The target's entry before the call, when it had one. */
  previous: PinStoreEntry | undefined;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * Returns the default path of the pin store:
 * `$XDG_CONFIG_HOME/certpin/pins.json`, else `~/.config/certpin/pins.json`,
 * and `%APPDATA%\certpin\pins.json` on Windows.
 *
 * @param env Environment variables; the process's unless given.
 * @param platform The operating system, as `process.platform` names it.
 * @returns The absolute path of the default store file.
 *
 * @example
 * ```ts
 * import { defaultPinStorePath } from "@certpin/certpin";
 * console.log(defaultPinStorePath({ XDG_CONFIG_HOME: "/etc/xdg" }, "linux"));
 * // /etc/xdg/certpin/pins.json
 * ```
 */
export function defaultPinStorePath(
  env: Record<string, string | undefined> = process.env,
  platform: string = process.platform,
): string {
  if (platform === "win32") {
    const appData = env.APPDATA ||
      win32.join(homeFolder(env, "USERPROFILE"), "AppData", "Roaming");
    return win32.join(appData, "certpin", "pins.json");
  }
  // The XDG base directory specification requires ignoring a relative path.
  const xdg = env.XDG_CONFIG_HOME;
  const config = xdg !== undefined && xdg.startsWith("/")
    ? xdg
    : join(homeFolder(env, "HOME"), ".config");
  return join(config, "certpin", "pins.json");
}

/**
 * Chooses the store file the way every `certpin` command does: the given
 * path (from `--store`), then `CERTPIN_STORE`, then the default path.
 *
 * @param path A path given explicitly, or `undefined`.
 * @param env Environment variables; the process's unless given.
 * @returns The absolute path of the store file.
 *
 * @example
 * ```ts
 * import { resolvePinStorePath } from "@certpin/certpin";
 * console.log(resolvePinStorePath(undefined, { CERTPIN_STORE: "/srv/pins.json" }));
 * // /srv/pins.json
 * ```
 */
export function resolvePinStorePath(
  path?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (path !== undefined && path !== "") return resolve(path);
  const fromEnv = env.CERTPIN_STORE;
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  return defaultPinStorePath(env);
}

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
   */
  entriesSync(): PinStoreEntry[] {
    return [...this.#read(this.#filePath()).values()];
  }

  /**
   * Reads the entry of one target.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The entry, or `undefined` when the target has no pins.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
   */
  get(host: string, port: number): Promise<PinStoreEntry | undefined> {
    return new Promise((resolve) =>
      resolve(this.#read(this.#filePath()).get(targetKey(host, port)))
    );
  }

  /**
   * Returns the pins of one target, for a pinned client.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The pins; empty when the target has none.
   * @throws {PinStoreError} When the file cannot be read or is invalid.
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
   */
  pinsForSync(host: string, port: number): Fingerprint[] {
    const entry = this.#read(this.#filePath()).get(targetKey(host, port));
    return entry?.pins.map((record) => record.pin) ?? [];
  }

  /**
   * Stores a pin for a target. When the target already has a different
   * pin, `onConflict` decides: `reject` (the default) leaves the store as
   * it was, `replace` drops the old pins, `append` keeps them beside the new.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @param record The pin and where it came from.
   * @param onConflict What to do when a different pin is stored.
   * @returns The outcome and the entry as it was before.
   * @throws {PinStoreError} When the file is invalid, locked or not writable.
   */
  addPin(
    host: string,
    port: number,
    record: PinRecord,
    onConflict: PinConflictAction = "reject",
  ): Promise<AddPinResult> {
    return this.update((entries) => {
      const target = normalizeTarget(host, port);
      const key = formatHostPort(target.host, target.port);
      const previous = entries.get(key);
      if (previous === undefined) {
        entries.set(key, { ...target, pins: [record] });
        return { status: "added", previous };
      }
      const copy = { ...previous, pins: [...previous.pins] };
      if (previous.pins.some((stored) => stored.pin.equals(record.pin))) {
        return { status: "already-pinned", previous: copy };
      }
      if (onConflict === "reject") {
        return { status: "conflict", previous: copy };
      }
      previous.pins = onConflict === "replace"
        ? [record]
        : [...previous.pins, record];
      return {
        status: onConflict === "replace" ? "replaced" : "appended",
        previous: copy,
      };
    });
  }

  /**
   * Removes a target and its pins.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @returns The removed entry, or `undefined` when the target had none.
   * @throws {PinStoreError} When the file is invalid, locked or not writable.
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
   * the entries (keyed `host:port`, as {@linkcode formatHostPort} writes
   * them), and writes the file when anything changed.
   *
   * @param change Edits the entries in place and returns any result.
   * @returns What `change` returned.
   * @throws {PinStoreError} When the file is invalid, locked or not writable.
   */
  async update<T>(
    change: (entries: Map<string, PinStoreEntry>) => T,
  ): Promise<T> {
    const path = this.#filePath();
    const lockPath = `${path}.lock`;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return await withFileLock(lockPath, this.#lockTimeout, () => {
        removeLeftoverTemporaryFiles(path);
        const entries = this.#read(path);
        const before = encodeStore(entries.values());
        const result = change(entries);
        const after = encodeStore(entries.values());
        if (after !== before) this.#write(path, after);
        return result;
      });
    } catch (error) {
      if (error instanceof LockTimeoutError) {
        throw lockTimeoutError(this.path, lockPath, this.#lockTimeout, error);
      }
      if (error instanceof PinStoreError || errorCode(error) === undefined) {
        throw error;
      }
      throw new PinStoreError(
        `Cannot change pin store ${this.path}: ${
          describeSystemError(error)
        }. The file was left unchanged.`,
        this.path,
        { cause: error },
      );
    }
  }

  /** The real path of the file, so a symbolic link is written through. */
  #filePath(): string {
    try {
      return realpathSync(this.path);
    } catch {
      // Missing so far: it is created at the path given.
      return this.path;
    }
  }

  #read(path: string): Map<string, PinStoreEntry> {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return new Map();
      throw new PinStoreError(
        `Cannot read pin store ${this.path}: ${describeSystemError(error)}.`,
        this.path,
        { cause: error },
      );
    }
    return decodeStore(text, this.path);
  }

  #write(path: string, text: string): void {
    writeFileAtomic(path, text, 0o600);
  }
}

function lockTimeoutError(
  storePath: string,
  lockPath: string,
  timeoutMs: number,
  error: LockTimeoutError,
): PinStoreError {
  const owner = error.owner === undefined
    ? "an unknown process"
    : `process ${error.owner.pid}${
      error.owner.host === "" ? "" : ` on host "${error.owner.host}"`
    } since ${error.owner.created}`;
  return new PinStoreError(
    `Cannot change pin store ${storePath}: the lock file ${lockPath} is held by ${owner}, and it was not released within ${
      timeoutMs / 1000
    } s. Another certpin command is probably writing the store: retry when it has finished. ` +
      `If no certpin command is running, a process that crashed left the lock behind: delete ${lockPath} and retry.`,
    storePath,
    { cause: error },
  );
}

function describeSystemError(error: unknown): string {
  const code = errorCode(error);
  const reasons: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EISDIR: "it is a folder",
    ENOTDIR: "a part of the path is not a folder",
    ENOSPC: "no space left on the device",
    EROFS: "the file system is read-only",
  };
  const reason = code === undefined ? undefined : reasons[code];
  const message = error instanceof Error ? error.message : String(error);
  return reason === undefined ? message : `${reason} (${code})`;
}

function homeFolder(
  env: Record<string, string | undefined>,
  variable: string,
): string {
  // Deno grants os.homedir() only with --allow-sys, so the variable comes first.
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return homedir();
}
