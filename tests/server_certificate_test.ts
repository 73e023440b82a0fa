import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { getServerCertificate } from "../src/server_certificate.ts";
import { ConnectionError, InvalidTargetError } from "../src/errors.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "./helpers/certificates.ts";
import {
  findRefusedPort,
  ipv6LoopbackAvailable,
  type LocalServer,
  startTlsServer,
  waitUntil,
} from "./helpers/servers.ts";
import { localLookup } from "./helpers/lookup.ts";

describe("getServerCertificate()", () => {
  let appliance: GeneratedCertificate;
  let server: LocalServer;

  before(async () => {
    appliance = await cachedCertificate("server-appliance", { keyType: "ec" });
    server = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
    });
  });
  after(() => server.close());

  it("reads the leaf certificate and describes it", async () => {
    const result = await getServerCertificate(`127.0.0.1:${server.port}`);
    assert.equal(result.host, "127.0.0.1");
    assert.equal(result.port, server.port);
    assert.deepEqual(result.der, appliance.der);
    assert.equal(result.summary.fingerprints.sha256, appliance.sha256);
    assert.equal(result.summary.fingerprints.sha1, appliance.sha1);
    assert.equal(
      result.summary.fingerprints.publicKeyPin,
      appliance.publicKeyPin,
    );
    assert.equal(result.summary.subject, "CN=127.0.0.1");
    assert.equal(result.summary.selfSigned, true);
    assert.equal(result.summary.ca, true);
    assert.deepEqual(result.summary.subjectAltNames, []);
    assert.equal(result.chain, undefined);
    assert.match(result.protocol ?? "", /^TLSv1\.[23]$/);
  });

  it("sends no application data", async () => {
    const before = server.bytesReceived();
    const handshakes = server.connections();
    await getServerCertificate(`127.0.0.1:${server.port}`);
    await waitUntil(
      () => server.connections() > handshakes,
      "the server completed the handshake",
    );
    await waitUntil(() => server.openConnections() === 0, "the socket closed");
    assert.equal(server.bytesReceived() - before, 0);
  });

  it("accepts every target form", async () => {
    const targets = [
      `https://127.0.0.1:${server.port}/web_api/`,
      { host: "127.0.0.1", port: server.port },
    ];
    for (const target of targets) {
      const result = await getServerCertificate(target);
      assert.equal(result.summary.fingerprints.sha256, appliance.sha256);
    }
  });

  it("uses the default port option", async () => {
    const result = await getServerCertificate("127.0.0.1", {
      defaultPort: server.port,
    });
    assert.equal(result.port, server.port);
  });

  it("reads from IPv6 loopback", async (context) => {
    if (!await ipv6LoopbackAvailable()) {
      context.skip("::1 is not available on this machine");
      return;
    }
    const server6 = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
      host: "::1",
    });
    try {
      const result = await getServerCertificate(`[::1]:${server6.port}`);
      assert.equal(result.host, "::1");
      assert.equal(result.summary.fingerprints.sha256, appliance.sha256);
    } finally {
      await server6.close();
    }
  });

  it("returns the chain when asked", async () => {
    const root = await cachedCertificate("server-root", {
      keyType: "ec",
      commonName: "certpin test root",
    });
    const leaf = await cachedCertificate("server-leaf", {
      keyType: "ec",
      commonName: "fw.example.test",
      altNames: ["fw.example.test"],
      issuer: root,
    });
    const chained = await startTlsServer({
      cert: leaf.certPem + root.certPem,
      key: leaf.keyPem,
    });
    try {
      const result = await getServerCertificate(
        { host: chained.host, port: chained.port },
        { chain: true, servername: "fw.example.test" },
      );
      assert.deepEqual(result.der, leaf.der);
      assert.equal(result.summary.selfSigned, false);
      assert.equal(result.summary.issuer, "CN=certpin test root");
      assert.deepEqual(result.chain, [leaf.der, root.der]);
    } finally {
      await chained.close();
    }
  });

  it("resolves the host with the lookup option", async () => {
    const resolver = localLookup({ "fw.example.test": "127.0.0.1" });
    const result = await getServerCertificate(
      `fw.example.test:${server.port}`,
      { lookup: resolver.lookup },
    );
    assert.deepEqual(resolver.calls, ["fw.example.test"]);
    assert.equal(result.host, "fw.example.test");
    assert.equal(result.summary.fingerprints.sha256, appliance.sha256);
  });

  it("reports a name the lookup cannot resolve", async () => {
    const resolver = localLookup();
    await assert.rejects(
      getServerCertificate("certpin-test.invalid", {
        lookup: resolver.lookup,
      }),
      (error: unknown) =>
        error instanceof ConnectionError && error.kind === "dns" &&
        error.cause === resolver.errors[0],
    );
  });

  it("rejects an invalid target", async () => {
    await assert.rejects(
      getServerCertificate("https://127.0.0.1:0/"),
      InvalidTargetError,
    );
  });

  it("reports a refused port", async () => {
    const port = await findRefusedPort();
    await assert.rejects(
      getServerCertificate(`127.0.0.1:${port}`),
      (error: unknown) =>
        error instanceof ConnectionError && error.kind === "refused",
    );
  });
});
