#!/usr/bin/env node
// Entry point of the `certpin` executable in Deno and Node.
import process from "node:process";
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
