import { describe, expect, it } from 'vitest';
import { generateTillKeyPair, keyFingerprint, keyIdOf, publicKeyOf, signText, verifyText } from './till-keys.ts';

describe('till signing keys (Ed25519)', () => {
  const pair = generateTillKeyPair();

  it('signs text that only the public key verifies', () => {
    const sig = signText(pair.privateKeyPem, 'ticket S1-01-7');
    expect(verifyText(pair.publicKeyPem, 'ticket S1-01-7', sig)).toBe(true);
    expect(verifyText(pair.publicKeyPem, 'ticket S1-01-8', sig)).toBe(false);
    expect(verifyText(generateTillKeyPair().publicKeyPem, 'ticket S1-01-7', sig)).toBe(false);
  });

  it('refuses malformed signatures and keys without throwing', () => {
    expect(verifyText(pair.publicKeyPem, 'x', 'not base64')).toBe(false);
    expect(verifyText('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', 'x', signText(pair.privateKeyPem, 'x'))).toBe(false);
  });

  it('names a key by its public half, the same from either half', () => {
    expect(pair.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(publicKeyOf(pair.privateKeyPem))).toBe(pair.keyId);
    expect(keyFingerprint(pair.publicKeyPem)).toBe(pair.keyId.match(/.{4}/g)!.join(' '));
    expect(generateTillKeyPair().keyId).not.toBe(pair.keyId);
  });
});
