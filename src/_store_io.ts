// Reading the pin store file, and changing it while holding its lock file.
// Errors name the store file as the caller gave it, and the next step.

import { mkdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import { PinStoreError } from "./errors.ts";
import type { PinStoreEntry } from "./store_records.ts";
import { decodeStore, encodeStore } from "./_store_file.ts";
import { errorCode, LockTimeoutError, withFileLock } from "./_file_lock.ts";
import {
  removeLeftoverTemporaryFiles,
  writeFileAtomic,
} from "./atomic_write.ts";

/**
 * Reads the store file's entries, keyed `host:port`; none when it does not
 * exist.
 *
 * @throws {PinStoreError} When the file cannot be read or is invalid.
 */
export function readStoreFile(storePath: string): Map<string, PinStoreEntry> {
  return readEntries(realStorePath(storePath), storePath);
}

/**
 * Reads the store file under its lock, lets `change` edit the entries, and
 * writes the file when anything changed.
 *
 * @throws {PinStoreError} When the file is invalid, locked or not writable.
 */
export async function updateStoreFile<T>(
  storePath: string,
  lockTimeout: number,
  change: (entries: Map<string, PinStoreEntry>) => T,
): Promise<T> {
  const path = realStorePath(storePath);
  const lockPath = `${path}.lock`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return await withFileLock(lockPath, lockTimeout, () => {
      removeLeftoverTemporaryFiles(path);
      const entries = readEntries(path, storePath);
      const before = encodeStore(entries.values());
      const result = change(entries);
      const after = encodeStore(entries.values());
      if (after !== before) writeFileAtomic(path, after, 0o600);
      return result;
    });
  } catch (error) {
    if (error instanceof LockTimeoutError) {
      throw lockTimeoutError(storePath, lockPath, lockTimeout, error);
    }
    if (error instanceof PinStoreError || errorCode(error) === undefined) {
      throw error;
    }
    throw new PinStoreError(
      `Cannot change pin store ${storePath}: ${
        describeSystemError(error)
      }. The file was left unchanged.`,
      storePath,
      { cause: error },
    );
  }
}

/** Returns the real path of the file, so that writes follow a symbolic link. */
function realStorePath(storePath: string): string {
  try {
    return realpathSync(storePath);
  } catch {
    // Missing so far: it is created at the path given.
    return storePath;
  }
}

function readEntries(
  path: string,
  storePath: string,
): Map<string, PinStoreEntry> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return new Map();
    throw new PinStoreError(
      `Cannot read pin store ${storePath}: ${describeSystemError(error)}.`,
      storePath,
      { cause: error },
    );
  }
  return decodeStore(text, storePath);
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
