/** The certpin version; a test checks that it equals the version in deno.json. */
export const VERSION = "0.1.0";
