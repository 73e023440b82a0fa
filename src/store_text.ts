/**
 * Converting pin store entries to and from the JSON text of a store file,
 * for exports, imports and backups that do not go through a
 * `PinStore`'s own file.
 *
 * @example Copy the entries of one store into another store's format
 * ```ts
 * import { formatPinStore, parsePinStore } from "@certpin/certpin";
 * const text = '{ "version": 1, "targets": {} }';
 * console.log(formatPinStore(parsePinStore(text, "backup.json")));
 * ```
 *
 * @module
 */

import type { PinStoreEntry } from "./store_records.ts";
import { decodeStore, encodeStore } from "./_store_file.ts";

/**
 * Reads the text of a pin store file, with the same checks that
 * `PinStore` applies to its own file.
 *
 * @param text The file's text.
 * @param source The file's name, for error messages.
 * @returns The entries, in file order.
 * @throws {PinStoreError} When the text is not a valid store file, naming
 * `source` and the line and column of the first problem.
 *
 * @example
 * ```ts
 * import { parsePinStore } from "@certpin/certpin";
 * const entries = parsePinStore(
 *   '{"version": 1, "targets": {"fw.example.test:443": {"pins": [{"pin": "SHA-1:A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D", "added": "2026-03-01T12:00:00.000Z", "addedBy": "example"}]}}}',
 *   "pins.json",
 * );
 * console.log(entries[0]?.port, entries[0]?.pins[0]?.pin.algorithm); // 443 SHA-1
 * ```
 */
export function parsePinStore(text: string, source: string): PinStoreEntry[] {
  return [...decodeStore(text, source).values()];
}

/**
 * Writes entries as the text of a pin store file, as `PinStore` writes
 * its own file.
 *
 * @param entries The entries, in the order to write them.
 * @returns The JSON text, two-space indented, with a final newline.
 *
 * @example
 * ```ts
 * import { formatPinStore, parseFingerprint } from "@certpin/certpin";
 * const text = formatPinStore([{
 *   host: "fw.example.test",
 *   port: 443,
 *   pins: [{
 *     pin: parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D"),
 *     added: new Date("2026-03-01T12:00:00Z"),
 *     addedBy: "example",
 *   }],
 * }]);
 * console.log(Object.keys(JSON.parse(text).targets)); // [ "fw.example.test:443" ]
 * ```
 */
export function formatPinStore(entries: Iterable<PinStoreEntry>): string {
  return encodeStore(entries);
}
