/**
 * A child process that writes to a pin store, for tests of locking and
 * atomic replacement across processes.
 *
 * Usage:
 * - `store_writer add STORE HOST PORT` stores a SHA-256 pin derived from
 *   HOST for HOST:PORT and exits.
 * - `store_writer hang STORE` takes the store's lock, writes half of a
 *   temporary file as a writer does before its rename, prints `holding`
 *   and waits to be killed.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { Fingerprint } from "../../src/fingerprint.ts";
import { PinStore } from "../../src/store.ts";
import { withFileLock } from "../../src/_file_lock.ts";

/** Derives the pin that the `add` command stores for a host: SHA-256 of its name. */
export function pinForHost(host: string): Fingerprint {
  return new Fingerprint(
    "certificate",
    "SHA-256",
    new Uint8Array(createHash("sha256").update(host).digest()),
  );
}

async function run(args: string[]): Promise<void> {
  const [command, path, host, port] = args;
  if (path === undefined) throw new Error("missing store path");
  const store = new PinStore({ path, lockTimeout: 60_000 });

  if (command === "add" && host !== undefined && port !== undefined) {
    await store.addPin(host, Number(port), {
      pin: pinForHost(host),
      added: new Date(),
      addedBy: "store_writer",
    });
    return;
  }

  if (command === "hang") {
    await withFileLock(`${store.path}.lock`, 60_000, async () => {
      const temporary = join(
        dirname(store.path),
        `.${basename(store.path)}.${process.pid}.0123456789ab.tmp`,
      );
      writeFileSync(temporary, '{\n  "version": 1,\n  "targ', { mode: 0o600 });
      process.stdout.write("holding\n");
      await new Promise(() => {});
    });
    return;
  }

  throw new Error(`unknown command line: ${args.join(" ")}`);
}

// Run only as the main script (Deno and Node both put its path in argv[1]),
// not when a test imports pinForHost.
if (/store_writer\.[jt]s$/.test(process.argv[1] ?? "")) {
  await run(process.argv.slice(2));
}
