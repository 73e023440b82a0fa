import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { IS_DENO } from "./helpers/cli.ts";

const ROOT = new URL("../", import.meta.url);

/** Splits the `demo` task of deno.json into the arguments after `deno`. */
function demoTaskArguments(): string[] {
  const config = JSON.parse(
    readFileSync(new URL("deno.json", ROOT), "utf8"),
  ) as { tasks?: Record<string, string> };
  const task = config.tasks?.["demo"];
  assert.ok(task !== undefined, 'deno.json has no "demo" task');
  const [program, ...rest] = task.split(/\s+/);
  assert.equal(program, "deno");
  return rest;
}

function runDemo(): Promise<
  { code: number | null; stdout: string; stderr: string }
> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, demoTaskArguments(), {
      cwd: fileURLToPath(ROOT),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.on("data", (text: string) => {
      stderr += text;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("deno task demo", () => {
  it("reads, verifies and rejects", async (context) => {
    if (!IS_DENO) {
      context.skip("the demo is a Deno task, not part of the npm build");
      return;
    }
    const started = Date.now();
    const result = await runDemo();
    const seconds = (Date.now() - started) / 1000;

    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stderr, "");
    assert.ok(seconds < 20, `the demo took ${seconds} s`);
    const output = result.stdout;
    assert.match(output, /1\. Read the appliance's certificate/);
    assert.match(output, /\$ certpin fingerprint 127\.0\.0\.1:\d+/);
    assert.match(output, /subject: +CN=127\.0\.0\.1/);
    assert.match(output, /key: +RSA 2048/);
    assert.match(output, /CA: +yes/);
    assert.match(output, /alt names: +\(none\)/);
    assert.match(
      output,
      /\$ certpin verify 127\.0\.0\.1:\d+ ([0-9A-F]{2}:){19}[0-9A-F]{2}\n/,
    );
    assert.match(output, /OK: the certificate of 127\.0\.0\.1:\d+ matches/);
    assert.match(output, /does not match the pinned fingerprint/);
    assert.match(output, /expected: SHA-1:/);
    assert.match(output, /actual: +SHA-256 /);
    assert.match(output, /\(exit code 1\)/);
    assert.match(output, /The impostor received 0 bytes/);
    assert.match(output, /4\. Your own server/);
    for (const command of ["fingerprint", "verify", "pin", "check", "--help"]) {
      assert.match(
        output,
        new RegExp(`npx -y deno@2\\.9\\.6 task certpin ${command}`),
        `no runnable line for ${command}`,
      );
    }
    assert.doesNotMatch(output, /^ *deno task/m);
    assert.doesNotMatch(output, /The demo stopped/);
  });
});
