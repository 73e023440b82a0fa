/**
 * Reading files from `tests/fixtures/`, found next to this file so the same
 * code works in Deno from the repository and in Node from the npm build.
 *
 * @module
 */

import { readFileSync } from "node:fs";

const FIXTURES = new URL("../fixtures/", import.meta.url);

/** Returns a fixture file as text. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

/** Returns a fixture file as bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** One row of `certs/expected.tsv`: OpenSSL's fingerprints of a certificate file. */
export interface ExpectedFingerprints {
  /** File name in `certs/`. */
  file: string;
  /** SHA-1 fingerprint, uppercase colon hex. */
  sha1: string;
  /** SHA-256 fingerprint, uppercase colon hex. */
  sha256: string;
  /** Public-key pin, `sha256/BASE64`. */
  publicKeyPin: string;
}

/** Returns the rows of `certs/expected.tsv`. */
export function expectedFingerprints(): ExpectedFingerprints[] {
  const [, ...rows] = fixtureText("certs/expected.tsv").trim().split("\n");
  return rows.map((row) => {
    const [file = "", sha1 = "", sha256 = "", publicKeyPin = ""] = row.split(
      "\t",
    );
    return { file, sha1, sha256, publicKeyPin };
  });
}
