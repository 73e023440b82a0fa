/**
 * Test certificates generated in memory with `@peculiar/x509` on WebCrypto,
 * so tests need no openssl binary and run the same in Deno and Node.
 *
 * The fingerprints returned with each certificate are computed here with
 * `node:crypto` directly, not with certpin's own functions, so tests that
 * compare against them check certpin against an independent computation.
 *
 * @module
 */

import "npm:reflect-metadata@0.2.2";
import * as x509 from "npm:@peculiar/x509@2.2.0";
import { createHash, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { isIP } from "node:net";

/** What to put in a generated certificate. */
export interface CertificateOptions {
  /** Subject common name; `127.0.0.1` unless given, like a fresh appliance. */
  commonName?: string;
  /** Subject alternative names: DNS names and IP addresses; none unless given. */
  altNames?: string[];
  /** Key type: `ec` (P-256, fast) or `rsa` (2048 bits, slow to generate). */
  keyType?: "rsa" | "ec";
  /**
   * Basic constraints CA:TRUE (critical). True unless an issuer is given,
   * because appliances mark their self-signed certificates as CAs.
   */
  ca?: boolean;
  /** Start of validity; one hour ago unless given. */
  notBefore?: Date;
  /** End of validity; ten years from now unless given. */
  notAfter?: Date;
  /** Certificate whose key signs this one; self-signed unless given. */
  issuer?: GeneratedCertificate;
}

/** A generated certificate with its key and fingerprints. */
export interface GeneratedCertificate {
  /** The certificate as PEM text. */
  certPem: string;
  /** The private key as PKCS#8 PEM text. */
  keyPem: string;
  /** The certificate as DER bytes. */
  der: Uint8Array;
  /** SHA-256 of the DER certificate, uppercase colon hex. */
  sha256: string;
  /** SHA-1 of the DER certificate, uppercase colon hex. */
  sha1: string;
  /** SHA-256 of the SubjectPublicKeyInfo, as `sha256/BASE64`. */
  publicKeyPin: string;
  /** Subject distinguished name, such as `CN=127.0.0.1`. */
  subject: string;
  /** The WebCrypto key pair, used to sign certificates this one issues. */
  keys: CryptoKeyPair;
}

const EC_ALGORITHM = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
} as const;

const RSA_ALGORITHM = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

const HOUR = 3_600_000;
const TEN_YEARS = 10 * 365 * 24 * HOUR;

/**
 * Generates a certificate. Without options it is shaped like a freshly
 * installed appliance's: CN is the IP address 127.0.0.1, no subjectAltName,
 * basic constraints CA:TRUE (critical), self-signed, RSA 2048.
 */
export async function generateCertificate(
  options: CertificateOptions = {},
): Promise<GeneratedCertificate> {
  const algorithm = options.keyType === "ec" ? EC_ALGORITHM : RSA_ALGORITHM;
  const keys = await globalThis.crypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const subject = `CN=${options.commonName ?? "127.0.0.1"}`;
  const issuer = options.issuer;
  const ca = options.ca ?? issuer === undefined;

  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(ca, undefined, true),
    new x509.KeyUsagesExtension(
      ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment
        : x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (issuer !== undefined) {
    extensions.push(
      await x509.AuthorityKeyIdentifierExtension.create(
        issuer.keys.publicKey,
      ),
    );
  }
  if (options.altNames !== undefined && options.altNames.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.altNames.map((name): x509.JsonGeneralName => ({
          type: isIP(name) === 0 ? "dns" : "ip",
          value: name,
        })),
      ),
    );
  }

  const signingKey = issuer?.keys.privateKey ?? keys.privateKey;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: issuer?.subject ?? subject,
    notBefore: options.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + TEN_YEARS),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: signingKey.algorithm.name === "ECDSA"
      ? { name: "ECDSA", hash: "SHA-256" }
      : RSA_ALGORITHM,
    extensions,
  });

  const der = new Uint8Array(certificate.rawData);
  const pkcs8 = await globalThis.crypto.subtle.exportKey(
    "pkcs8",
    keys.privateKey,
  );
  const spki = new X509Certificate(der).publicKey.export({
    type: "spki",
    format: "der",
  });
  return {
    certPem: toPem("CERTIFICATE", der),
    keyPem: toPem("PRIVATE KEY", new Uint8Array(pkcs8)),
    der,
    sha256: colonHex(createHash("sha256").update(der).digest()),
    sha1: colonHex(createHash("sha1").update(der).digest()),
    publicKeyPin: `sha256/${
      createHash("sha256").update(spki).digest("base64")
    }`,
    subject,
    keys,
  };
}

const cache = new Map<string, Promise<GeneratedCertificate>>();

/**
 * Generates a certificate once per process and name, then returns the same
 * one; for tests that need a certificate but not a fresh key.
 */
export function cachedCertificate(
  name: string,
  options: CertificateOptions = {},
): Promise<GeneratedCertificate> {
  let certificate = cache.get(name);
  if (certificate === undefined) {
    certificate = generateCertificate(options);
    cache.set(name, certificate);
  }
  return certificate;
}

/** A private root CA and a leaf it signed, from {@linkcode cachedSignedLeaf}. */
export interface SignedLeaf {
  /** The root CA certificate that signed `leaf`. */
  root: GeneratedCertificate;
  /** The leaf, named `fw.example.test` and `127.0.0.1`. */
  leaf: GeneratedCertificate;
}

/**
 * Generates, once per process and name, an EC root CA and a leaf it signed
 * for `fw.example.test` and `127.0.0.1`, for tests of `verify: "pin+ca"`.
 */
export async function cachedSignedLeaf(name: string): Promise<SignedLeaf> {
  const root = await cachedCertificate(`${name}-root`, {
    keyType: "ec",
    commonName: "certpin test root",
  });
  const leaf = await cachedCertificate(`${name}-leaf`, {
    keyType: "ec",
    commonName: "fw.example.test",
    altNames: ["fw.example.test", "127.0.0.1"],
    issuer: root,
  });
  return { root, leaf };
}

function randomSerialNumber(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  // A clear top bit keeps the DER INTEGER positive without a padding byte.
  bytes[0] = (bytes[0] ?? 0) & 0x7f | 0x01;
  return Buffer.from(bytes).toString("hex");
}

function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${
    lines.join("\n")
  }\n-----END ${label}-----\n`;
}

function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex").toUpperCase().replace(
    /(..)(?!$)/g,
    "$1:",
  );
}
