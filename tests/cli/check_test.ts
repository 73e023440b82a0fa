import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import {
  type AddressInfo,
  createServer,
  type Server,
  type Socket,
} from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { formatHostPort } from "../../src/errors.ts";
import { parseFingerprint } from "../../src/parse.ts";
import { PinStore } from "../../src/store.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "../helpers/certificates.ts";
import {
  findRefusedPort,
  type LocalServer,
  startSilentServer,
  startTlsServer,
} from "../helpers/servers.ts";
import { runCliInProcess } from "../helpers/cli.ts";

const DAY = 86_400_000;
const createdFolders: string[] = [];
let folder: string;

interface Certificates {
  pinned: GeneratedCertificate;
  other: GeneratedCertificate;
  expiring: GeneratedCertificate;
  expired: GeneratedCertificate;
}
let certificates: Certificates;

before(async () => {
  certificates = {
    pinned: await cachedCertificate("check-pinned", { keyType: "ec" }),
    other: await cachedCertificate("check-other", { keyType: "ec" }),
    expiring: await cachedCertificate("check-expiring", {
      keyType: "ec",
      notAfter: new Date(Date.now() + 3 * DAY + 3_600_000),
    }),
    expired: await cachedCertificate("check-expired", {
      keyType: "ec",
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - 2 * DAY - 3_600_000),
    }),
  };
});

afterEach(() => {
  for (const created of createdFolders.splice(0)) {
    rmSync(created, { recursive: true, force: true });
  }
});

function newStorePath(): string {
  folder = mkdtempSync(join(tmpdir(), "certpin-check-"));
  createdFolders.push(folder);
  return join(folder, "pins.json");
}

/** A target for the store: where it listens and which certificate is pinned. */
interface Pinned {
  host: string;
  port: number;
  pin: string;
}

async function writeStore(path: string, targets: Pinned[]): Promise<void> {
  await new PinStore({ path }).update((entries) => {
    for (const target of targets) {
      entries.set(formatHostPort(target.host, target.port), {
        host: target.host,
        port: target.port,
        pins: [{
          pin: parseFingerprint(target.pin),
          added: new Date(),
          addedBy: "check test",
        }],
      });
    }
  });
}

const servers: LocalServer[] = [];

async function serve(certificate: GeneratedCertificate): Promise<LocalServer> {
  const server = await startTlsServer({
    cert: certificate.certPem,
    key: certificate.keyPem,
    respond: "none",
  });
  servers.push(server);
  return server;
}

after(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * TCP servers that accept connections and never respond, recording when
 * each connection arrived, to measure how many a client opens at once.
 */
async function startCountingSilentServers(count: number): Promise<{
  ports: number[];
  accepted(): number;
  acceptedWithin(milliseconds: number): number;
  reset(): void;
  close(): Promise<void>;
}> {
  let arrivals: number[] = [];
  const sockets = new Set<Socket>();
  const listening: Server[] = [];
  for (let index = 0; index < count; index++) {
    const server = createServer((socket) => {
      arrivals.push(performance.now());
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve)
    );
    listening.push(server);
  }
  return {
    ports: listening.map((server) => (server.address() as AddressInfo).port),
    accepted: () => arrivals.length,
    acceptedWithin: (milliseconds) => {
      const first = arrivals[0] ?? 0;
      return arrivals.filter((time) => time - first < milliseconds).length;
    },
    reset: () => {
      arrivals = [];
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        listening.map((server) =>
          new Promise<void>((resolve) => server.close(() => resolve()))
        ),
      );
    },
  };
}

interface JsonReport {
  store: string;
  summary: Record<string, number>;
  results: {
    target: string;
    status: string;
    pinned: string[];
    certificate?: { sha256: string; daysLeft: number };
    error?: { kind: string; message: string };
  }[];
}

describe("certpin check", () => {
  it("reports 50 servers within the time concurrency allows", async () => {
    const path = newStorePath();
    const { pinned, other, expiring, expired } = certificates;
    const targets: (Pinned & { expected: string })[] = [];
    for (let index = 0; index < 27; index++) {
      const server = await serve(pinned);
      targets.push({ ...server, pin: pinned.sha256, expected: "ok" });
    }
    for (let index = 0; index < 4; index++) {
      const server = await serve(other);
      targets.push({ ...server, pin: pinned.sha256, expected: "changed" });
    }
    const soon = await serve(expiring);
    targets.push({ ...soon, pin: expiring.publicKeyPin, expected: "expiring" });
    const old = await serve(expired);
    targets.push({ ...old, pin: expired.sha256, expected: "expired" });
    const silentCount = 16;
    for (let index = 0; index < silentCount; index++) {
      const silent = await startSilentServer();
      servers.push(silent);
      targets.push({ ...silent, pin: pinned.sha256, expected: "unreachable" });
    }
    const refused = await findRefusedPort();
    targets.push({
      host: "127.0.0.1",
      port: refused,
      pin: pinned.sha256,
      expected: "unreachable",
    });
    assert.equal(targets.length, 50);
    await writeStore(path, targets);

    const timeout = 1_000;
    const concurrency = 16;
    const started = Date.now();
    const result = await runCliInProcess([
      "check",
      "--store",
      path,
      "--timeout",
      String(timeout),
      "--concurrency",
      String(concurrency),
      "--json",
    ]);
    const elapsed = Date.now() - started;

    assert.equal(result.code, 1, result.stderr);
    // Checked one at a time, the silent servers alone would take
    // silentCount × timeout. Checked 16 at a time, they take one timeout.
    const limit = 4 * timeout;
    assert.ok(silentCount * timeout > 2 * limit);
    assert.ok(elapsed < limit, `took ${elapsed} ms`);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.store, path);
    assert.deepEqual(report.summary, {
      ok: 27,
      expiring: 1,
      expired: 1,
      changed: 4,
      unreachable: silentCount + 1,
    });
    for (const [index, target] of targets.entries()) {
      const reported = report.results[index];
      assert.equal(reported?.target, `127.0.0.1:${target.port}`);
      assert.equal(reported?.status, target.expected, reported?.target);
    }
    const changed = report.results[27];
    assert.equal(changed?.certificate?.sha256, other.sha256);
    assert.deepEqual(changed?.pinned, [`SHA-256:${pinned.sha256}`]);
    assert.equal(report.results[31]?.certificate?.daysLeft, 3);
    for (const reported of report.results.slice(33, 33 + silentCount)) {
      assert.equal(reported.error?.kind, "timeout", reported.target);
    }
    assert.equal(report.results[49]?.error?.kind, "refused");
  });

  it("checks 16 servers at a time by default", async () => {
    const group = await startCountingSilentServers(20);
    try {
      const path = newStorePath();
      await writeStore(
        path,
        group.ports.map((port) => ({
          host: "127.0.0.1",
          port,
          pin: certificates.pinned.sha256,
        })),
      );
      const timeout = 500;
      const cases: [string[], number][] = [
        [[], 16],
        [["--concurrency", "20"], 20],
      ];
      for (const [args, expected] of cases) {
        group.reset();

        const result = await runCliInProcess([
          "check",
          "--store",
          path,
          "--timeout",
          String(timeout),
          ...args,
        ]);

        assert.equal(result.code, 3, result.stderr);
        assert.equal(group.accepted(), 20, args.join(" "));
        // A worker opens its next connection only when one times out, so the
        // connections arriving within half a timeout were opened at once.
        assert.equal(
          group.acceptedWithin(timeout / 2),
          expected,
          args.join(" "),
        );
      }
    } finally {
      await group.close();
    }
  });

  it("--warn-days sets which certificates are expiring", async () => {
    const path = newStorePath();
    const twentyDays = await cachedCertificate("check-twenty-days", {
      keyType: "ec",
      notAfter: new Date(Date.now() + 20 * DAY + 3_600_000),
    });
    const server = await serve(twentyDays);
    await writeStore(path, [{ ...server, pin: twentyDays.sha256 }]);
    const cases: [string[], string][] = [
      [[], "expiring"],
      [["--warn-days", "10"], "ok"],
      [["--warn-days", "19"], "ok"],
      [["--warn-days", "20"], "expiring"],
      [["--warn-days", "30"], "expiring"],
      [["--warn-days", "0"], "ok"],
    ];
    for (const [args, expected] of cases) {
      const result = await runCliInProcess([
        "check",
        "--store",
        path,
        "--json",
        ...args,
      ]);

      assert.equal(result.code, 0, result.stderr);
      const [reported] = (JSON.parse(result.stdout) as JsonReport).results;
      assert.equal(reported?.certificate?.daysLeft, 20);
      assert.equal(reported?.status, expected, args.join(" ") || "default");
    }
  });

  it("prints a table with old and new fingerprints", async () => {
    const path = newStorePath();
    const { pinned, other, expiring } = certificates;
    const good = await serve(pinned);
    const changed = await serve(other);
    const soon = await serve(expiring);
    const refused = await findRefusedPort();
    await writeStore(path, [
      { ...good, pin: pinned.sha256 },
      { ...changed, pin: pinned.sha256 },
      { ...soon, pin: expiring.sha1 },
      { host: "127.0.0.1", port: refused, pin: pinned.sha256 },
    ]);

    const result = await runCliInProcess([
      "check",
      "--store",
      path,
      "--timeout",
      "2000",
    ]);

    assert.equal(result.code, 1);
    const lines = result.stdout.split("\n");
    assert.match(lines[0] ?? "", /^TARGET\s+STATUS\s+DETAIL$/);
    assert.match(
      result.stdout,
      new RegExp(`127\\.0\\.0\\.1:${good.port}\\s+ok\\s+expires \\d{4}-`),
    );
    assert.match(
      result.stdout,
      new RegExp(`127\\.0\\.0\\.1:${changed.port}\\s+changed\\s+`),
    );
    assert.ok(result.stdout.includes(`pinned: SHA-256:${pinned.sha256}`));
    assert.ok(result.stdout.includes(`now:    SHA-256:${other.sha256}`));
    assert.match(
      result.stdout,
      new RegExp(`127\\.0\\.0\\.1:${soon.port}\\s+expiring\\s+.*in 3 days`),
    );
    assert.match(
      result.stdout,
      new RegExp(
        `127\\.0\\.0\\.1:${refused}\\s+unreachable\\s+Connection to 127\\.0\\.0\\.1:${refused} was refused: `,
      ),
    );
    assert.ok(!result.stdout.includes("refused: Connection"), result.stdout);
    assert.ok(
      result.stdout.includes(
        "4 servers: 1 ok, 1 expiring, 1 changed, 1 unreachable",
      ),
    );
    assert.equal(result.stderr, "");
  });

  it("exits 3 when only the network failed", async () => {
    const path = newStorePath();
    const good = await serve(certificates.pinned);
    const refused = await findRefusedPort();
    await writeStore(path, [
      { ...good, pin: certificates.pinned.sha256 },
      { host: "127.0.0.1", port: refused, pin: certificates.pinned.sha256 },
    ]);

    const result = await runCliInProcess(["check", "--store", path]);

    assert.equal(result.code, 3);
  });

  it("exits 0 when every pin matches", async () => {
    const path = newStorePath();
    const good = await serve(certificates.pinned);
    const soon = await serve(certificates.expiring);
    await writeStore(path, [
      { ...good, pin: certificates.pinned.publicKeyPin },
      { ...soon, pin: certificates.expiring.sha256 },
    ]);

    const result = await runCliInProcess(["check"], {
      env: { CERTPIN_STORE: path },
    });

    assert.equal(result.code, 0, result.stdout);
    assert.ok(result.stdout.includes("2 servers: 1 ok, 1 expiring"));
  });

  it("draws progress only on a terminal", async () => {
    const path = newStorePath();
    const good = await serve(certificates.pinned);
    await writeStore(path, [{ ...good, pin: certificates.pinned.sha256 }]);

    const terminal = await runCliInProcess(["check", "--store", path], {
      stderrIsTerminal: true,
    });
    const piped = await runCliInProcess(["check", "--store", path]);

    assert.ok(
      terminal.stderr.includes("\rChecked 1 of 1 server"),
      terminal.stderr,
    );
    assert.ok(!terminal.stderr.includes("servers"), terminal.stderr);
    assert.equal(piped.stderr, "");
    assert.ok(piped.stdout.endsWith("\n1 server: 1 ok\n"), piped.stdout);
    assert.match(piped.stdout, /\(\d+ days left\)/);
  });

  it("passes an existing store without pins", async () => {
    const path = newStorePath();
    const store = new PinStore({ path });
    await store.addPin("192.0.2.10", 443, {
      pin: parseFingerprint(certificates.pinned.sha256),
      added: new Date(),
      addedBy: "test",
    });
    await store.remove("192.0.2.10", 443);

    const result = await runCliInProcess(["check", "--store", path, "--json"]);

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.includes(`No pins in ${path}`));
    assert.deepEqual(JSON.parse(result.stdout).results, []);
  });

  it("rejects a missing store file", async () => {
    const path = newStorePath();

    const flag = await runCliInProcess(["check", "--store", path]);
    const fromEnv = await runCliInProcess(["check", "--json"], {
      env: { CERTPIN_STORE: path },
    });

    assert.equal(flag.code, 2);
    assert.ok(
      flag.stderr.includes(`Pin store ${path} (the path given by --store)`),
      flag.stderr,
    );
    assert.ok(flag.stderr.includes("does not exist"), flag.stderr);
    assert.ok(flag.stderr.includes("certpin pin HOST"), flag.stderr);
    assert.equal(flag.stdout, "");
    assert.equal(fromEnv.code, 2);
    assert.ok(
      fromEnv.stderr.includes("the path in CERTPIN_STORE"),
      fromEnv.stderr,
    );
    assert.equal(fromEnv.stdout, "");
  });

  it("rejects invalid options", async () => {
    const cases: [string[], string][] = [
      [["--concurrency", "0"], "--concurrency"],
      [["--timeout", "x"], "--timeout"],
      [["--warn-days", "-1"], "--warn-days"],
      [["fw.test"], "certpin check --help"],
    ];
    for (const [args, named] of cases) {
      const result = await runCliInProcess([
        "check",
        "--store",
        newStorePath(),
        ...args,
      ]);
      assert.equal(result.code, 2, args.join(" "));
      assert.ok(result.stderr.includes(named), result.stderr);
    }
  });

  it("reports an invalid store with exit 2", async () => {
    const path = newStorePath();
    writeFileSync(path, "{");

    const result = await runCliInProcess(["check", "--store", path]);

    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(path));
    assert.ok(result.stderr.includes("line 1, column 2"));
  });
});
