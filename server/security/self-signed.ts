/**
 * A self-signed TLS certificate for the store server, made with node:crypto alone (ECDSA P-256,
 * X.509 v3 written in DER by hand: node can sign but not build certificates, and a fresh shop PC
 * may have no openssl). Tills do not rely on its names: they pin its SHA-256 fingerprint. The
 * names (localhost, this host, the addresses given) are there for browsers of the back office.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

const cat = (...parts: Buffer[]) => Buffer.concat(parts);

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return cat(Buffer.from([tag]), len, content);
}

const seq = (...parts: Buffer[]) => der(0x30, cat(...parts));
const set = (...parts: Buffer[]) => der(0x31, cat(...parts));

function int(v: Buffer | number): Buffer {
  let b = typeof v === 'number' ? Buffer.from([v]) : v;
  while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1);
  if (b[0] & 0x80) b = cat(Buffer.from([0]), b);
  return der(0x02, b);
}

function oid(text: string): Buffer {
  const [a, b, ...rest] = text.split('.').map(Number);
  const out = [a * 40 + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  // RFC 5280: UTCTime through 2049, GeneralizedTime after.
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2), 'ascii')) : der(0x18, Buffer.from(iso, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand "::" then 8 groups of 16 bits.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

export interface SelfSigned {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, `AB:CD:…` (what tills pin). */
  fingerprint: string;
}

export function makeSelfSignedCertificate(opts: { commonName?: string; names?: string[]; days?: number; now?: Date } = {}): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60 * 60_000);
  const notAfter = new Date(now.getTime() + (opts.days ?? 3650) * 86_400_000);
  const name = seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from(opts.commonName ?? 'tillsync store server', 'utf8')))));
  const sigAlg = seq(oid('1.2.840.10045.4.3.2'));
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...(opts.names ?? [])])];
  const san = seq(...names.map((n) => (isIP(n) ? der(0x87, ipBytes(n)) : der(0x82, Buffer.from(n, 'ascii')))));
  const extensions = der(
    0xa3,
    seq(
      seq(oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), der(0x04, seq())),
      seq(oid('2.5.29.17'), der(0x04, san)),
    ),
  );
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const tbs = seq(der(0xa0, int(2)), int(serial), sigAlg, name, seq(time(notBefore), time(notAfter)), name, publicKey.export({ type: 'spki', format: 'der' }), extensions);
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, sigAlg, der(0x03, cat(Buffer.from([0]), signature)));
  const certPem = `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem, fingerprint: certificateFingerprint(certPem) };
}

export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Throws when the key does not belong to the certificate (a mixed-up --cert/--key pair). */
export function checkKeyMatchesCertificate(certPem: string, keyPem: string): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}
