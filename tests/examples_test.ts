import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  listHosts,
  main,
  readSettings,
} from "../examples/check_point_login.ts";
import { PinMismatchError } from "../src/errors.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "./helpers/certificates.ts";
import {
  type CheckpointMock,
  startCheckpointMock,
  waitUntilClosed,
} from "./helpers/checkpoint_mock.ts";

const PASSWORD = "example password";

describe("examples/check_point_login.ts", () => {
  let right: GeneratedCertificate;
  let wrong: GeneratedCertificate;
  let server: CheckpointMock;
  let impostor: CheckpointMock;

  before(async () => {
    right = await cachedCertificate("example-right", { keyType: "ec" });
    wrong = await cachedCertificate("example-wrong", { keyType: "ec" });
    const options = {
      users: { admin: PASSWORD },
      apiServerVersion: "2.0",
      hosts: [{ name: "gateway", address: "198.51.100.1" }],
    };
    server = await startCheckpointMock({
      cert: right.certPem,
      key: right.keyPem,
      ...options,
    });
    impostor = await startCheckpointMock({
      cert: wrong.certPem,
      key: wrong.keyPem,
      ...options,
    });
  });
  after(async () => {
    await server.close();
    await impostor.close();
  });

  it("logs in, lists hosts and logs out", async () => {
    const result = await listHosts({
      server: `127.0.0.1:${server.port}`,
      pin: right.sha1,
      user: "admin",
      password: PASSWORD,
    });
    assert.equal(result.apiServerVersion, "2.0");
    assert.deepEqual(result.hosts, [
      { name: "gateway", address: "198.51.100.1" },
    ]);
    assert.equal(server.issuedSessions().length, 1);
    assert.deepEqual(server.activeSessions(), []);
    const paths = server.requests().map((request) => request.path);
    assert.deepEqual(paths, [
      "/web_api/login",
      "/web_api/show-hosts",
      "/web_api/logout",
    ]);
    const sid = server.issuedSessions()[0];
    assert.equal(server.requests()[1]?.headers["x-chkp-sid"], sid);
  });

  it("runs from arguments and the environment", async () => {
    const lines: string[] = [];
    const code = await main(
      [`127.0.0.1:${server.port}`],
      {
        CHECKPOINT_PIN: right.sha256,
        CHECKPOINT_USER: "admin",
        CHECKPOINT_PASSWORD: PASSWORD,
      },
      (line) => lines.push(line),
    );
    assert.equal(code, 0, lines.join("\n"));
    assert.deepEqual(lines, [
      "API server version 2.0",
      "gateway\t198.51.100.1",
    ]);
  });

  it("sends the impostor no byte, so no password", async () => {
    await assert.rejects(
      listHosts({
        server: `127.0.0.1:${impostor.port}`,
        pin: right.sha256,
        user: "admin",
        password: PASSWORD,
      }),
      (error: unknown) => {
        assert.ok(error instanceof PinMismatchError, `${error}`);
        assert.equal(error.host, "127.0.0.1");
        assert.equal(error.port, impostor.port);
        assert.deepEqual(error.expected, [`SHA-256:${right.sha256}`]);
        assert.equal(error.certificate.fingerprints.sha256, wrong.sha256);
        return true;
      },
    );
    await waitUntilClosed(impostor);
    assert.equal(impostor.bytesReceived(), 0);
    assert.deepEqual(impostor.requests(), []);
  });

  it("names every missing setting", () => {
    assert.throws(
      () => readSettings([], {}),
      /Missing server \(CHECKPOINT_SERVER\), pin \(CHECKPOINT_PIN\), user \(CHECKPOINT_USER\), password \(CHECKPOINT_PASSWORD\)/,
    );
    assert.deepEqual(
      readSettings(["fw", "AB"], {
        CHECKPOINT_USER: "admin",
        CHECKPOINT_PASSWORD: "x",
      }),
      { server: "fw", pin: "AB", user: "admin", password: "x" },
    );
  });
});
