// The `--store FILE` option that every pin store command takes, and the
// formatting of dates and counts that those commands share.

import { PinStore, resolvePinStorePath } from "../store.ts";
import type { CliIo } from "./_common.ts";

/** The `parseArgs` definition of `--store`. */
export const STORE_OPTION = { store: { type: "string" } } as const;

/** Help text lines for `--store`. */
export const STORE_HELP = [
  "  --store FILE       Pin store file. Unless given: $CERTPIN_STORE, else",
  "                     $XDG_CONFIG_HOME/certpin/pins.json (~/.config/certpin/",
  "                     pins.json; %APPDATA%\\certpin\\pins.json on Windows)",
];

/**
 * Opens the store a command works on: `--store`, then `CERTPIN_STORE` from
 * the command's environment, then the default path.
 */
export function openStore(flag: string | undefined, io: CliIo): PinStore {
  return new PinStore({ path: resolvePinStorePath(flag, io.env), env: io.env });
}

/** Formats a date as `YYYY-MM-DD` (UTC). */
export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Formats a count with its noun, adding "s" unless the count is 1, such as
 * "1 server" or "3 pins". Every noun passed has a regular plural.
 */
export function formatCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
