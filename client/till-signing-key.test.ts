import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyChangeProblem } from '../sync/key-change.ts';
import { signText, verifyText } from '../sync/till-keys.ts';
import { loadOrCreateTillSigningKey, loadTillSigningKey, readKeyChanges, rotateTillSigningKey, signingKeyPath, signingPublicKeyPath } from './till-signing-key.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'till-key-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('till signing key storage', () => {
  it('creates the pair once, private file 0600, and loads the same key afterwards', () => {
    const d = tmp();
    expect(() => loadTillSigningKey(d)).toThrow(expect.objectContaining({ code: 'no-signing-key', hint: expect.stringContaining('till init') }));
    const a = loadOrCreateTillSigningKey(d);
    expect(statSync(signingKeyPath(d)).mode & 0o777).toBe(0o600);
    expect(readFileSync(signingPublicKeyPath(d), 'utf8')).toBe(a.publicKeyPem);
    const b = loadOrCreateTillSigningKey(d);
    expect(b.keyId).toBe(a.keyId);
    expect(loadTillSigningKey(d).privateKeyPem).toBe(a.privateKeyPem);
    expect(verifyText(a.publicKeyPem, 'x', signText(b.privateKeyPem, 'x'))).toBe(true);
  });

  it('derives the public half from the private file (a swapped public file is rewritten)', () => {
    const d = tmp();
    const a = loadOrCreateTillSigningKey(d);
    writeFileSync(signingPublicKeyPath(d), 'junk');
    expect(loadOrCreateTillSigningKey(d).publicKeyPem).toBe(a.publicKeyPem);
    expect(readFileSync(signingPublicKeyPath(d), 'utf8')).toBe(a.publicKeyPem);
  });

  it('rotates with a statement the old key signs, kept for the server', () => {
    const d = tmp();
    const a = loadOrCreateTillSigningKey(d);
    const r = rotateTillSigningKey(d, 'S1-01');
    expect(r.oldKeyId).toBe(a.keyId);
    expect(loadTillSigningKey(d).keyId).toBe(r.key.keyId);
    expect(readKeyChanges(d)).toEqual([r.change]);
    expect(keyChangeProblem(r.change, 'S1-01', a.publicKeyPem)).toBeNull();
    expect(keyChangeProblem(r.change, 'S1-02', a.publicKeyPem)).toMatch(/not S1-02/);
    expect(keyChangeProblem({ ...r.change, newPublicKey: loadOrCreateTillSigningKey(tmp()).publicKeyPem }, 'S1-01', a.publicKeyPem)).toMatch(/another key id/);
  });
});
