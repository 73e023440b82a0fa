// Running a child process with its output collected and a time limit.
import { spawn } from "node:child_process";
import process from "node:process";

/** Writes a line to standard output. */
export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes a line to standard error. */
export function printError(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** The exit code, output and duration of a child process. */
export interface CommandResult {
  /** Exit code; 1 when the process was killed or could not start. */
  code: number;
  /** Standard output and standard error, interleaved as they arrived. */
  output: string;
  /** Wall-clock time from start to exit. */
  seconds: number;
  /** True when the time limit killed the process. */
  timedOut: boolean;
}

/** Working folder, environment and time limit of a command. */
export interface CommandOptions {
  /** Working folder. */
  cwd: string;
  /** Extra environment variables, added to this process's environment. */
  env?: Record<string, string>;
  /** Time limit; the process group is killed when it passes. */
  timeoutSeconds: number;
}

/**
 * Runs a command without standard input, collecting its output. On timeout
 * the command's whole process group is killed, so servers it started go too.
 *
 * @param command Executable to run.
 * @param args Its arguments.
 * @param options Working folder, environment and time limit.
 * @returns The exit code, output and duration; never rejects.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    let finished = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (timedOut) {
        output +=
          `\nKilled after the time limit of ${options.timeoutSeconds} s.\n`;
      }
      resolve({
        code,
        output,
        seconds: (performance.now() - started) / 1000,
        timedOut,
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutSeconds * 1000);

    child.stdout.on("data", (chunk) => output += String(chunk));
    child.stderr.on("data", (chunk) => output += String(chunk));
    child.on("error", (error) => {
      output += `Cannot run ${command}: ${error.message}\n`;
      finish(1);
    });
    child.on("close", (code) => finish(code ?? 1));
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch (error) {
    // ESRCH: the group exited between the timer firing and the kill.
    if ((error as { code?: string }).code !== "ESRCH") throw error;
  }
}
