/**
 * A child process that writes to a pin store, for tests of locking and
 * atomic replacement across processes.
 *
 * Usage:
 * - `store_writer add STORE HOST PORT [LOCK_TIMEOUT_MS]` stores a SHA-256
 *   pin derived from HOST for HOST:PORT and exits. It waits up to
 *   LOCK_TIMEOUT_MS (60 000 unless given) for another writer's lock.
 * - `store_writer interrupt STORE HOST PORT` stores the same pin through
 *   the store's own write path, but stops once half of the temporary file
 *   is written: it prints `paused TEMPORARY_PATH` and waits to be killed,
 *   holding the store's lock.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { writeSync } from "node:fs";
import process from "node:process";
import { Fingerprint } from "../../src/fingerprint.ts";
import { PinStore } from "../../src/store.ts";
import { setPartialWriteHook } from "../../src/atomic_write.ts";

/** Derives the pin that the `add` command stores for a host: SHA-256 of its name. */
export function pinForHost(host: string): Fingerprint {
  return new Fingerprint(
    "certificate",
    "SHA-256",
    new Uint8Array(createHash("sha256").update(host).digest()),
  );
}

async function run(args: string[]): Promise<void> {
  const [command, path, host, port, lockTimeout = "60000"] = args;
  if (path === undefined) throw new Error("missing store path");
  const store = new PinStore({ path, lockTimeout: Number(lockTimeout) });

  if (host === undefined || port === undefined) {
    throw new Error(`missing host or port: ${args.join(" ")}`);
  }
  if (command === "interrupt") {
    setPartialWriteHook((temporaryPath) => {
      // The wait below blocks this thread until the test kills the process,
      // so only a synchronous write reaches the test.
      writeSync(1, `paused ${temporaryPath}\n`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });
  } else if (command !== "add") {
    throw new Error(`unknown command line: ${args.join(" ")}`);
  }

  await store.addPin(host, Number(port), {
    pin: pinForHost(host),
    added: new Date(),
    addedBy: "store_writer",
  });
}

// Run only as the main script (Deno and Node both put its path in argv[1]),
// not when a test imports pinForHost.
if (/store_writer\.[jt]s$/.test(process.argv[1] ?? "")) {
  await run(process.argv.slice(2));
}
