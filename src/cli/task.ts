// Entry point of `deno task certpin`. A Deno task runs in the folder of
// deno.json and stores the folder the user ran it from in INIT_CWD; moving
// back there before the CLI starts makes relative paths (certificate files,
// --store, -o, --data-file) mean what the user typed. The `certpin`
// executable of the npm package starts at bin.ts and keeps its folder.
import process from "node:process";

const userFolder = process.env["INIT_CWD"];
if (userFolder !== undefined && userFolder !== "") process.chdir(userFolder);

// Imported only now, because bin.ts runs the command as soon as it loads.
await import("./bin.ts");
