// An exclusive lock between processes: a lock file created with O_EXCL next
// to the file it protects, holding the owner's process id and host name. A
// lock left by a process that has died on this host is removed; any other
// lock is waited for until a deadline. Where the runtime does not permit
// checking the owner's process, a lock is judged by its age instead.

import {
  closeSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import process from "node:process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/** The owner details a lock file records. */
interface LockOwner {
  pid: number;
  host: string;
  created: string;
  token: string;
}

/** A lock file that a live process holds, found when the deadline passed. */
export class LockTimeoutError extends Error {
  /** The owner recorded in the lock file, when it could be read. */
  readonly owner: LockOwner | undefined;

  constructor(lockPath: string, owner: LockOwner | undefined) {
    super(`Timed out waiting for the lock file ${lockPath}`);
    this.name = "LockTimeoutError";
    this.owner = owner;
  }
}

/**
 * A lock file whose content cannot be read is taken as abandoned once it is
 * this old, because its owner writes the content right after creating it.
 */
const UNREADABLE_LOCK_AGE_MS = 5_000;

/**
 * A writer holds the lock only while it reads, changes and writes the store
 * file, which takes milliseconds. So when the owner's process cannot be
 * checked (Deno without `--allow-run`), a lock older than this is taken as
 * abandoned. The margin covers a slow disk or a busy machine.
 */
const UNCHECKED_LOCK_AGE_MS = 30_000;

/**
 * Removing a stale lock is guarded by a second file that exists only for the
 * few milliseconds the removal takes; one older than this was left by a
 * process that crashed during the removal.
 */
const STALE_GUARD_AGE_MS = 10_000;

/**
 * Takes the lock, runs `body`, and releases the lock, also when `body`
 * throws. Waits up to `timeoutMs` for another owner to release it.
 *
 * @throws {LockTimeoutError} When a live process holds the lock past the deadline.
 */
export async function withFileLock<T>(
  lockPath: string,
  timeoutMs: number,
  body: () => Promise<T> | T,
): Promise<T> {
  const token = await acquire(lockPath, timeoutMs);
  try {
    return await body();
  } finally {
    release(lockPath, token);
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<string> {
  const token = randomUUID();
  const deadline = Date.now() + timeoutMs;
  let delayMs = 5;
  while (true) {
    if (tryCreate(lockPath, token)) return token;

    const found = readLock(lockPath);
    if (found === undefined) continue;
    if (isAbandoned(found)) {
      removeAbandoned(lockPath, found);
      continue;
    }

    if (Date.now() >= deadline) {
      throw new LockTimeoutError(lockPath, found.owner);
    }
    // Random spread keeps many waiting processes from retrying in step.
    await sleep(delayMs + Math.random() * delayMs);
    delayMs = Math.min(delayMs * 2, 100);
  }
}

function tryCreate(lockPath: string, token: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx", 0o600);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
  try {
    const owner: LockOwner = {
      pid: process.pid,
      host: hostName(),
      created: new Date().toISOString(),
      token,
    };
    writeSync(fd, JSON.stringify(owner) + "\n");
  } finally {
    closeSync(fd);
  }
  return true;
}

interface FoundLock {
  text: string;
  modifiedMs: number;
  owner: LockOwner | undefined;
}

function readLock(lockPath: string): FoundLock | undefined {
  try {
    const modifiedMs = statSync(lockPath).mtimeMs;
    const text = readFileSync(lockPath, "utf8");
    return { text, modifiedMs, owner: parseOwner(text) };
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof value.pid === "number" && typeof value.host === "string" &&
      typeof value.created === "string" && typeof value.token === "string"
    ) {
      return value as LockOwner;
    }
  } catch {
    // Empty or half-written content: judged by the file's age instead.
  }
  return undefined;
}

function isAbandoned(found: FoundLock): boolean {
  if (found.owner === undefined) {
    return Date.now() - found.modifiedMs > UNREADABLE_LOCK_AGE_MS;
  }
  // A process on another host sharing the folder cannot be checked, so its
  // lock is waited for and the timeout message says how to remove it.
  if (found.owner.host !== hostName()) return false;

  const state = processState(found.owner.pid);
  if (state === "unknown") {
    return Date.now() - found.modifiedMs > UNCHECKED_LOCK_AGE_MS;
  }
  return state === "dead";
}

/**
 * Checks whether a process of this host is running, by sending it signal 0.
 *
 * NOTE: Deno grants `process.kill` only with `--allow-run`. Without it, Deno
 * raises NotCapable, so the state is unknown, except on a terminal without
 * `--no-prompt`, where Deno first prompts the user for run access.
 */
function processState(pid: number): "alive" | "dead" | "unknown" {
  if (pid === process.pid) return "alive";
  try {
    process.kill(pid, 0);
    return "alive";
  } catch (error) {
    // Deno's permission errors, checked first in case one carries a code.
    const name = error instanceof Error ? error.name : "";
    if (name === "NotCapable" || name === "PermissionDenied") return "unknown";

    const code = errorCode(error);
    if (code === "ESRCH") return "dead";
    // EPERM from the system: the process exists but belongs to another user.
    if (code === "EPERM") return "alive";
    return "unknown";
  }
}

function removeAbandoned(lockPath: string, found: FoundLock): void {
  // Two waiters may both find the same abandoned lock. The guard file lets
  // one of them remove it, so the other cannot delete the fresh lock that a
  // third process created in between.
  const guardPath = `${lockPath}.stale`;
  let guard: number;
  try {
    guard = openSync(guardPath, "wx", 0o600);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    removeIfOlder(guardPath, STALE_GUARD_AGE_MS);
    return;
  }
  try {
    const again = readLock(lockPath);
    if (
      again !== undefined && again.text === found.text &&
      again.modifiedMs === found.modifiedMs
    ) {
      unlinkSync(lockPath);
    }
  } finally {
    closeSync(guard);
    unlinkSync(guardPath);
  }
}

function removeIfOlder(path: string, ageMs: number): void {
  try {
    if (Date.now() - statSync(path).mtimeMs > ageMs) unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

function release(lockPath: string, token: string): void {
  const found = readLock(lockPath);
  // Only the owner's own lock is removed; it can be missing when someone
  // deleted it by hand while the owner was writing.
  if (found?.owner?.token === token) unlinkSync(lockPath);
}

let cachedHostName: string | undefined;

/**
 * The host name, or "" when the runtime does not grant it (Deno without
 * --allow-sys). NOTE: with "" on both sides, two hosts sharing the store
 * folder would look like one, so a live lock of the other host could be
 * taken as abandoned; a store on a local disk is not affected.
 */
function hostName(): string {
  if (cachedHostName === undefined) {
    try {
      cachedHostName = hostname();
    } catch {
      cachedHostName = "";
    }
  }
  return cachedHostName;
}

/** Returns the `code` of a Node.js system error, such as "ENOENT". */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    return String(error.code);
  }
  return undefined;
}
