// Replacing a file so that readers and crashes see either the old content or
// the new, never a mix: write a temporary file in the same folder, flush it
// to disk, then rename it over the target.

import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import process from "node:process";
import { errorCode } from "./_file_lock.ts";

/**
 * The function called between the two halves of a temporary file's
 * content, so that a test can kill a writer in mid-write. Unset otherwise.
 */
let partialWriteHook: ((temporaryPath: string) => void) | undefined;

/**
 * Sets the function that {@linkcode writeFileAtomic} calls after writing the
 * first half of a temporary file, or clears it with `undefined`. Only tests
 * of interrupted writes use it, and it is not part of the public API.
 */
export function setPartialWriteHook(
  hook: ((temporaryPath: string) => void) | undefined,
): void {
  partialWriteHook = hook;
}

/**
 * Writes `text` to `path` atomically, creating the folder (mode 0700) when
 * missing. The file gets `mode` whatever the umask, on systems with POSIX
 * permissions.
 */
export function writeFileAtomic(
  path: string,
  text: string,
  mode = 0o600,
): void {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const temporaryPath = join(
    folder,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );

  const fd = openSync(temporaryPath, "wx", mode);
  try {
    if (process.platform !== "win32") fchmodSync(fd, mode);
    const bytes = new TextEncoder().encode(text);
    const hook = partialWriteHook;
    const half = hook === undefined ? bytes.length : bytes.length >> 1;
    writeAll(fd, bytes.subarray(0, half));
    hook?.(temporaryPath);
    writeAll(fd, bytes.subarray(half));
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporaryPath);
    throw error;
  }
  closeSync(fd);

  try {
    renameSync(temporaryPath, path);
  } catch (error) {
    unlinkSync(temporaryPath);
    throw error;
  }
  syncFolder(folder);
}

/**
 * Deletes temporary files that {@linkcode writeFileAtomic} left for `path`
 * when its process died before the rename. Call it only while holding the
 * lock that all writers of `path` take, so no live writer's file is removed.
 */
export function removeLeftoverTemporaryFiles(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  for (const name of names) {
    const middle = name.slice(prefix.length, -".tmp".length);
    if (
      name.startsWith(prefix) && name.endsWith(".tmp") &&
      /^\d+\.[0-9a-f]{12}$/.test(middle)
    ) {
      try {
        unlinkSync(join(dirname(path), name));
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw error;
      }
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += writeSync(fd, bytes, written, bytes.length - written);
  }
}

/** Flushes a folder's entries so the rename survives a power loss. */
function syncFolder(folder: string): void {
  // Windows cannot open a folder as a file; its rename is flushed by the system.
  if (process.platform === "win32") return;
  const fd = openSync(folder, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
