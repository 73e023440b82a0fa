/**
 * Running the certpin CLI from tests: in-process through `main(args, io)`
 * with captured output, or as a real child process where the process itself
 * matters (permissions, exit status, signals).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { constants } from "node:os";
import process from "node:process";
import type { Writable } from "node:stream";
import type { LookupFunction } from "node:net";
import { main } from "../../src/cli/main.ts";
import type { CliIo } from "../../src/cli/_common.ts";

/** What a CLI run produced. */
export interface CliResult {
  /** The exit code. */
  code: number;
  /** Everything written to standard output. */
  stdout: string;
  /** Everything written to standard error. */
  stderr: string;
}

/** Options of {@linkcode runCliInProcess}. */
export interface InProcessOptions {
  /** Environment variables passed to the command; none unless given. */
  env?: Record<string, string | undefined>;
  /** Whether standard input counts as a terminal; false unless set. */
  stdinIsTerminal?: boolean;
  /** Whether standard error counts as a terminal; false unless set. */
  stderrIsTerminal?: boolean;
  /** Text the command reads as standard input; none unless given. */
  input?: string;
  /** Resolver for host names, such as `localLookup().lookup`; the system's unless given. */
  lookup?: LookupFunction;
}

/** Runs `certpin ARGS` in this process with captured output. */
export async function runCliInProcess(
  args: string[],
  options: InProcessOptions = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: options.env ?? {},
    stdinIsTerminal: options.stdinIsTerminal ?? false,
    stderrIsTerminal: options.stderrIsTerminal ?? false,
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    ...(options.input === undefined ? {} : {
      readInput: () => Promise.resolve(new TextEncoder().encode(options.input)),
    }),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Options of {@linkcode runCliProcess}. */
export interface ProcessOptions {
  /**
   * Variables added to this process's environment for the child; a value
   * of `undefined` removes the variable.
   */
  env?: Record<string, string | undefined>;
  /** Text written to the child's standard input, which is then closed. */
  stdin?: string;
  /** Milliseconds before the child is killed; 30 000 unless given. */
  timeout?: number;
  /**
   * Closes the reading end of the child's standard output and error before
   * the child starts, as `certpin … | head -1` does once it has a line.
   */
  closeOutput?: boolean;
}

/** True when running under Deno; the only Deno check tests make. */
export const IS_DENO = "Deno" in globalThis;

const ROOT = new URL("../../", import.meta.url);

/**
 * Runs the real `certpin` executable as a child process: under Deno with
 * the permissions of the `certpin` task in deno.json, under Node the
 * compiled `src/cli/bin.js` of the npm build.
 */
export function runCliProcess(
  args: string[],
  options: ProcessOptions = {},
): Promise<CliResult> {
  const command = IS_DENO
    ? ["run", ...taskPermissions(), binPath("ts"), ...args]
    : [binPath("js"), ...args];
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: fileURLToPath(ROOT),
      env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeout ?? 30_000,
    });
    let stdout = "";
    let stderr = "";
    if (options.closeOutput === true) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.on("data", (text: string) => {
      stderr += text;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ code: code ?? signalCode(signal), stdout, stderr });
    });
    ignoreClosedInput(child.stdin);
    child.stdin.end(options.stdin ?? "");
  });
}

/**
 * Ignores `EPIPE` on a child's standard input. A child that exits, or
 * closes its input, before reading it makes the write fail with `EPIPE`,
 * which is an unhandled error event without a listener. Other errors are
 * thrown, so a test does not hide them.
 *
 * @param input The child's standard input.
 */
export function ignoreClosedInput(input: Writable): void {
  input.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

/** Path of the executable's entry point, `.ts` under Deno, `.js` in the build. */
function binPath(extension: "ts" | "js"): string {
  return fileURLToPath(new URL(`src/cli/bin.${extension}`, ROOT));
}

/**
 * Reads the permission flags of the `certpin` task in deno.json, so the
 * child runs with exactly what users get from `deno task certpin`.
 */
function taskPermissions(): string[] {
  const config = JSON.parse(
    readFileSync(new URL("deno.json", ROOT), "utf8"),
  ) as { tasks?: Record<string, string> };
  const task = config.tasks?.["certpin"];
  if (task === undefined) {
    throw new Error('deno.json has no "certpin" task');
  }
  return task.split(/\s+/).filter((word) => word.startsWith("--allow-"));
}

function signalCode(signal: string | null): number {
  // Shells report a process killed by a signal as 128 + the signal number.
  const number = signal === null
    ? undefined
    : (constants.signals as Record<string, number>)[signal];
  return number === undefined ? -1 : 128 + number;
}
