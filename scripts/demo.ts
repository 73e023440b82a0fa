/**
 * The certpin demo, run with `deno task demo`. It starts two TLS servers on
 * 127.0.0.1, an appliance with a fresh self-signed certificate and an
 * impostor with another certificate for the same name, then reads, verifies
 * and rejects with real connections, printing each command and its output.
 * It exits 0 when every step behaved as shown, and 1 otherwise.
 *
 * @module
 */

import process from "node:process";
import { main } from "../src/cli/main.ts";
import type { CliIo } from "../src/cli/_common.ts";
import { generateCertificate } from "../tests/helpers/certificates.ts";
import { type LocalServer, startTlsServer } from "../tests/helpers/servers.ts";

const RULE = "-".repeat(72);

/** Writes one line, or several, to standard output. */
function say(text = ""): void {
  process.stdout.write(`${text}\n`);
}

function heading(text: string): void {
  say();
  say(RULE);
  say(text);
  say(RULE);
}

/**
 * Runs `certpin ARGS` in this process, prints the command and its indented
 * output, and returns the exit code.
 */
async function certpin(args: string[]): Promise<number> {
  say(`$ certpin ${args.map(quoteArgument).join(" ")}`);
  let output = "";
  const io: CliIo = {
    stdout: (text) => {
      output += text;
    },
    stderr: (text) => {
      output += text;
    },
    env: {},
    stdinIsTerminal: false,
    stderrIsTerminal: false,
  };
  const code = await main(args, io);
  for (const line of output.trimEnd().split("\n")) {
    say(line === "" ? "" : `    ${line}`);
  }
  say(`(exit code ${code})`);
  return code;
}

function quoteArgument(argument: string): string {
  return /^[\w.:/@[\]=+-]+$/.test(argument) ? argument : `"${argument}"`;
}

/** Checks that a step behaved as the demo output states; otherwise exits with 1. */
function expect(condition: boolean, failure: string): void {
  if (condition) return;
  say();
  say(`The demo stopped: ${failure}`);
  process.exit(1);
}

async function demo(
  appliance: LocalServer,
  impostor: LocalServer,
  applianceSha1: string,
): Promise<void> {
  const applianceTarget = `127.0.0.1:${appliance.port}`;
  const impostorTarget = `127.0.0.1:${impostor.port}`;

  heading("1. Read the appliance's certificate");
  say("certpin connects, reads the certificate from the TLS handshake and");
  say("closes without sending a request:");
  say();
  expect(
    await certpin(["fingerprint", applianceTarget]) === 0,
    "reading the appliance's certificate failed",
  );
  say();
  say("Reading a certificate over the network is not trusting it: an attacker");
  say(
    "in the path would show you theirs. On a real server, compare it with the",
  );
  say("fingerprint the server itself shows, out of band:");
  say("  Check Point management server:  api fingerprint");
  say(
    "  any server with the file:       openssl x509 -in server.pem -noout -fingerprint -sha256",
  );

  heading("2. Verify the appliance with the fingerprint Check Point shows");
  say(
    '"api fingerprint" prints the SHA-1 fingerprint in colon form. Pasted as',
  );
  say("it is, it becomes the pin:");
  say();
  expect(
    await certpin(["verify", applianceTarget, applianceSha1]) === 0,
    "the appliance did not match its own fingerprint",
  );

  heading("3. Verify the impostor with the same fingerprint");
  say("The impostor answers at the same name with its own self-signed");
  say("certificate. Clients that skip verification (curl -k,");
  say("rejectUnauthorized: false) would talk to it; certpin rejects it:");
  say();
  expect(
    await certpin(["verify", impostorTarget, applianceSha1]) === 1,
    "the impostor was not rejected",
  );
  const leaked = impostor.bytesReceived();
  expect(leaked === 0, `the impostor received ${leaked} bytes`);
  say();
  say(`The impostor received ${leaked} bytes of application data: the pin is`);
  say(
    "checked when the handshake completes, before a request could be written.",
  );

  heading("4. Your own server");
  say("Replace the host with yours; each command takes host, host:port or an");
  say("https:// URL, and port 443 unless given:");
  say();
  // Lines to copy, so they run with nothing but Node.js installed.
  const run = "npx -y deno@2.9.6 task certpin";
  say(`  ${run} fingerprint fw.example.com`);
  say(`  ${run} verify fw.example.com "FINGERPRINT FROM THE SERVER"`);
  say(`  ${run} pin fw.example.com --expect "FINGERPRINT"   # store it`);
  say(`  ${run} check                                       # has it changed?`);
  say();
  say("In a script, fetch through a pinned connection:");
  say();
  say(
    '  import { pinnedFetch } from "https://raw.githubusercontent.com/certpin/certpin/v0.1.0/mod.ts";',
  );
  say('  // or, in Node after installing the package: from "certpin"');
  say(
    '  const response = await pinnedFetch("https://fw.example.com/web_api/login", {',
  );
  say('    pin: "FINGERPRINT FROM THE SERVER",');
  say('    method: "POST",');
  say("  });");
  say();
  say("Run `npx -y deno@2.9.6 task certpin --help` for every command.");
}

say("certpin demo: talk to a server with a self-signed certificate, safely.");
say();
say("Generating certificates and starting two TLS servers on 127.0.0.1 ...");
// Both certificates are shaped like a freshly installed appliance's: CN is
// the IP address, no subjectAltName, CA:TRUE, RSA 2048.
const [applianceCertificate, impostorCertificate] = await Promise.all([
  generateCertificate(),
  generateCertificate(),
]);
const appliance = await startTlsServer({
  cert: applianceCertificate.certPem,
  key: applianceCertificate.keyPem,
});
const impostor = await startTlsServer({
  cert: impostorCertificate.certPem,
  key: impostorCertificate.keyPem,
});
say(
  `  appliance  127.0.0.1:${appliance.port}  self-signed, CN=127.0.0.1, as a fresh firewall makes`,
);
say(
  `  impostor   127.0.0.1:${impostor.port}  another self-signed certificate, CN=127.0.0.1`,
);

try {
  await demo(appliance, impostor, applianceCertificate.sha1);
} finally {
  await appliance.close();
  await impostor.close();
}
