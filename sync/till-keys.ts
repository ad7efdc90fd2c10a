/**
 * A till's signing key: Ed25519 (node:crypto), made on the till, private half never leaves it.
 * Whoever holds only the public key (the server, a tax auditor) can verify but never sign, so a
 * copy of the server's database cannot forge a ticket, closure, journal event or package.
 *
 * Pure functions over PEM text; storing the private key is the till's job (client/), registering
 * the public key the server's. A key is named by its id: the first 16 hex digits of the SHA-256 of
 * its DER public key, printed grouped as a fingerprint on closures and at enrolment.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

export interface TillKeyPair {
  keyId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateTillKeyPair(): TillKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The public half of a private key (to re-register it, or to check a stored pair belongs together). */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

function publicDer(publicKeyPem: string): Buffer {
  return createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
}

/** Full SHA-256 of the DER public key, hex: what an auditor compares with the printed fingerprint. */
export function publicKeyDigest(publicKeyPem: string): string {
  return createHash('sha256').update(publicDer(publicKeyPem)).digest('hex');
}

export function keyIdOf(publicKeyPem: string): string {
  return publicKeyDigest(publicKeyPem).slice(0, 16);
}

/** `ab12 cd34 …` — the key id grouped for reading aloud or printing on a closure. */
export function keyFingerprint(publicKeyPem: string): string {
  return keyIdOf(publicKeyPem).match(/.{4}/g)!.join(' ');
}

/** Ed25519 signature of the UTF-8 text, base64. */
export function signText(privateKeyPem: string, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64');
}

/** False (never throws) on a malformed key or signature: hostile input is an answer, not a crash. */
export function verifyText(publicKeyPem: string, text: string, signature: string): boolean {
  try {
    if (!/^[A-Za-z0-9+/]{86}==$/.test(signature)) return false;
    return verify(null, Buffer.from(text, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
