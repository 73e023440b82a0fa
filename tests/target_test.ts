import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseTarget } from "../src/target.ts";
import { InvalidTargetError } from "../src/errors.ts";

describe("parseTarget()", () => {
  const valid: [string, string, number][] = [
    ["192.0.2.10", "192.0.2.10", 443],
    ["192.0.2.10:4434", "192.0.2.10", 4434],
    ["  192.0.2.10:8443\n", "192.0.2.10", 8443],
    ["FW.Example.TEST", "fw.example.test", 443],
    ["fw.example.test:65535", "fw.example.test", 65535],
    ["localhost:1", "localhost", 1],
    ["[::1]:8443", "::1", 8443],
    ["[::1]", "::1", 443],
    ["::1", "::1", 443],
    ["[2001:DB8:0:0:0:0:0:1]:443", "2001:db8::1", 443],
    ["2001:db8::10", "2001:db8::10", 443],
    ["https://fw.example.test:4434/web_api/login", "fw.example.test", 4434],
    ["https://FW.example.test/", "fw.example.test", 443],
    ["HTTPS://192.0.2.10:8443", "192.0.2.10", 8443],
    ["https://[::1]:9443/path?query#fragment", "::1", 9443],
    ["https://[::1]", "::1", 443],
    ["bücher.example", "xn--bcher-kva.example", 443],
    ["::1:0", "::1:0", 443],
    ["fe80::1234", "fe80::1234", 443],
    ["::ffff:192.0.2.10", "::ffff:c000:20a", 443],
    ["\u200e192.0.2.10", "192.0.2.10", 443],
    ["\ufeff192.0.2.10:8443\u200b", "192.0.2.10", 8443],
    ["\u00a0fw.example.test:4434\u00a0", "fw.example.test", 4434],
    ["192.0.\u200b2.10", "192.0.2.10", 443],
    ["[::1]\u200f:8443", "::1", 8443],
    ["https://fw.example.test\u200e/", "fw.example.test", 443],
  ];
  for (const [input, host, port] of valid) {
    it(`reads ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseTarget(input), { host, port });
    });
  }

  it("uses the default port when none is given", () => {
    assert.deepEqual(parseTarget("192.0.2.10", 4434), {
      host: "192.0.2.10",
      port: 4434,
    });
    assert.deepEqual(parseTarget("[::1]", 8443), { host: "::1", port: 8443 });
  });

  it("gives an https URL without port 443", () => {
    assert.deepEqual(parseTarget("https://192.0.2.10/", 4434), {
      host: "192.0.2.10",
      port: 443,
    });
  });

  const invalid: [string, string][] = [
    ["", "empty"],
    ["   ", "empty"],
    ["192.0.2.10:", 'port ""'],
    ["192.0.2.10:0", 'port "0"'],
    ["192.0.2.10:65536", 'port "65536"'],
    ["192.0.2.10:44a", 'port "44a"'],
    ["192.0.2.10:-1", 'port "-1"'],
    [":443", "not a valid host"],
    ["fw example", "U+0020 at position 2"],
    ["fw\u00a0example", "U+00A0 at position 2"],
    ["\u200efw\texample", "U+0009 at position 3"],
    ["::1:8446", "Write [::1:8446] for the first or [::1]:8446 for the second"],
    ["2001:db8::1:443", "[2001:db8::1]:443"],
    ["::1:44300", "needs brackets. Write [::1]:44300"],
    ["http://192.0.2.10", "https://"],
    ["ftp://192.0.2.10", "https://"],
    ["https://", "not a valid URL"],
    ["https://192.0.2.10:99999/", "not a valid URL"],
    ["https://192.0.2.10:0/", 'port "0"'],
    ["[::1", "followed by nothing"],
    ["[::1]x", "followed by nothing"],
    ["[::1]:", 'port ""'],
    ["[192.0.2.10]:443", "only for IPv6"],
    ["[]:443", "only for IPv6"],
    ["2001:db8::zz", "not a valid host"],
    ["999.1.1.1", "not a valid host"],
    ["fw.example.test/path", "not a valid host"],
    ["user@fw.example.test", "not a valid host"],
    ["fw%2eexample.test", "not a valid host"],
  ];
  for (const [input, fragment] of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseTarget(input),
        (error: unknown) => {
          assert.ok(error instanceof InvalidTargetError);
          assert.equal(error.code, "INVALID_TARGET");
          assert.equal(error.input, input);
          assert.ok(
            error.message.includes(fragment),
            `message lacks ${JSON.stringify(fragment)}: ${error.message}`,
          );
          assert.ok(error.message.includes("host:port"), error.message);
          return true;
        },
      );
    });
  }

  it("keeps a URL password out of the error", () => {
    assert.throws(
      () => parseTarget("https://admin:s3cret@192.0.2.10/"),
      (error: unknown) => {
        assert.ok(error instanceof InvalidTargetError);
        assert.ok(!error.message.includes("s3cret"), error.message);
        assert.ok(!error.input.includes("s3cret"), error.input);
        assert.ok(error.message.includes("user name or password"));
        return true;
      },
    );
  });

  it("rejects a default port out of range", () => {
    assert.throws(() => parseTarget("192.0.2.10", 0), RangeError);
    assert.throws(() => parseTarget("192.0.2.10", 70000), RangeError);
    assert.throws(() => parseTarget("192.0.2.10", 1.5), RangeError);
  });
});
