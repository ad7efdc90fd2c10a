/**
 * Acting as the tax auditor: someone alters the till's store (a ticket, a closure, a journal line)
 * or one byte of an archive; `audit verify` (sync/archive-verify.ts) must refuse it and say what and
 * where. Real disk stores (RxDB over Deno KV), real archive files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyArchive, type AuditFinding } from '../sync/archive-verify.ts';
import { closePeriod } from './period-closing.ts';
import { writeTillArchive } from './till-archive.ts';
import { cashSale, openTestTill, type TestTill } from '../test/support/test-till.ts';

const tills: TestTill[] = [];
afterEach(async () => {
  while (tills.length) await tills.pop()!.close();
});

/** A till with 4 tickets, two Z, a monthly closure and its journal. */
async function busyTill(): Promise<TestTill> {
  const t = await openTestTill({ disk: true });
  tills.push(t);
  await cashSale(t.svc, 1, 'A000001');
  await cashSale(t.svc, 2, 'A000002');
  await t.svc.close();
  await cashSale(t.svc, 1, 'A000003');
  await cashSale(t.svc, 3, 'A000001');
  await t.svc.close();
  await closePeriod(t.svc, 'month');
  await t.svc.journal.idle();
  return t;
}

async function audit(t: TestTill): Promise<{ ok: boolean; findings: AuditFinding[] }> {
  const a = await writeTillArchive(t.svc, { out: `${t.dir}/archives` });
  return verifyArchive(readFileSync(a.path), a.path);
}

const errors = (r: { findings: AuditFinding[] }) => r.findings.filter((f) => f.severity === 'error');

describe('the auditor finds every alteration', () => {
  it('an intact till archives cleanly', async () => {
    const t = await busyTill();
    const r = await audit(t);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('one stored ticket altered (a price lowered in the store) → named by line and id', async () => {
    const t = await busyTill();
    const doc = await t.store.db.tickets.findOne('S1-01-00000003').exec();
    const ticket = doc!.toJSON(true) as any;
    await doc!.incrementalPatch({ totals: { ...ticket.totals, inclVat: '1.00' } });
    const r = await audit(t);
    expect(r.ok).toBe(false);
    expect(errors(r)).toContainEqual(expect.objectContaining({ kind: 'altered', entry: 'tickets.jsonl', line: 3, ref: 'S1-01-00000003', message: 'tickets.jsonl line 3: ticket S1-01-00000003: content does not match its hash (altered after sale)' }));
    // The Z that covers it no longer adds up either.
    expect(errors(r)).toContainEqual(expect.objectContaining({ kind: 'figures', entry: 'closures.jsonl', ref: 'S1-01-Z000002' }));
  });

  it('one closure altered (its total) → named', async () => {
    const t = await busyTill();
    const doc = await t.store.db.closures.findOne('S1-01-Z000001').exec();
    await doc!.incrementalPatch({ total: '0.00' });
    const r = await audit(t);
    expect(r.ok).toBe(false);
    expect(errors(r)).toContainEqual(expect.objectContaining({ kind: 'altered', entry: 'closures.jsonl', line: 1, ref: 'S1-01-Z000001', message: 'closures.jsonl line 1: closure S1-01-Z000001: content does not match its hash (altered)' }));
  });

  it('one closure re-sealed with another key → bad signature (or unknown key), named', async () => {
    const t = await busyTill();
    const { generateTillKeyPair } = await import('../sync/till-keys.ts');
    const { seal } = await import('../sync/seal.ts');
    const forger = generateTillKeyPair();
    const doc = await t.store.db.closures.findOne('S1-01-Z000002').exec();
    const { hash: _h, signature: _s, ...body } = doc!.toJSON(true) as any;
    delete body._rev;
    delete body._meta;
    delete body._deleted;
    delete body._attachments;
    const forged = seal({ ...body, total: '9.99', keyId: t.svc.journal.key.keyId }, forger.privateKeyPem);
    await doc!.incrementalPatch({ total: forged.total, hash: forged.hash, signature: forged.signature });
    const r = await audit(t);
    expect(errors(r)).toContainEqual(expect.objectContaining({ kind: 'bad-signature', ref: 'S1-01-Z000002' }));
  });

  it('one journal line altered → named by line and event id', async () => {
    const t = await busyTill();
    const events = await t.store.journal();
    const doc = await t.store.db.journal.findOne(events[0].id).exec();
    await doc!.incrementalPatch({ data: { ...events[0].data, total: '0.00' } });
    const r = await audit(t);
    expect(r.ok).toBe(false);
    expect(errors(r)).toContainEqual(expect.objectContaining({ kind: 'altered', entry: 'journal.jsonl', line: 1, ref: events[0].id }));
  });

  it('one journal line deleted → the gap is named', async () => {
    const t = await busyTill();
    const events = await t.store.journal();
    await (await t.store.db.journal.findOne(events[1].id).exec())!.remove();
    const r = await audit(t);
    expect(errors(r)).toContainEqual(expect.objectContaining({ kind: 'gap', entry: 'journal.jsonl', ref: events[2].id }));
  });

  it('one byte of the archive altered, anywhere → refused', async () => {
    const t = await busyTill();
    const a = await writeTillArchive(t.svc, { out: `${t.dir}/archives` });
    const good = readFileSync(a.path);
    // Every 97th byte, plus the first and last: headers, compressed data, directory, signature.
    const positions = [0, good.length - 1];
    for (let i = 1; i < good.length - 1; i += 97) positions.push(i);
    for (const at of positions) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      const r = verifyArchive(bad, `byte ${at}`);
      expect(r.ok, `byte ${at} altered but accepted`).toBe(false);
    }
    // And a content byte: the report says which entry the change landed in.
    const file = `${t.dir}/archives/flipped.zip`;
    const bad = Buffer.from(good);
    const at = good.indexOf(Buffer.from('PK\x03\x04', 'latin1'), good.indexOf('tickets.jsonl') - 40);
    bad[at + 60] ^= 0x20;
    writeFileSync(file, bad);
    const r = verifyArchive(readFileSync(file), file);
    expect(r.findings.find((f) => f.kind === 'file-signature')?.message).toMatch(/does not verify .*altered/);
  });
});

describe('a key rotation inside the archived period', () => {
  it('till rotate-key journals a key-change chaining old key to new; audit verify accepts both keys', async () => {
    const t = await busyTill();
    const { rotateKeyJournalled } = await import('./key-rotation.ts');
    const oldKeyId = t.svc.journal.key.keyId;
    const r = await rotateKeyJournalled(t.svc);
    expect(r.oldKeyId).toBe(oldKeyId);
    await cashSale(t.svc, 1, 'A000002');
    await t.svc.close();
    await t.svc.journal.idle();
    const events = await t.store.journal();
    const change = events.find((e) => e.type === 'key-change')!;
    expect(change.id).toBe(r.eventId);
    expect(change.data).toMatchObject({ oldKeyId, newKeyId: r.key.keyId, oldSignature: expect.any(String), newSignature: expect.any(String) });
    expect(change.keyId).toBe(r.key.keyId); // the first event signed by the new key
    expect(new Set(events.map((e) => e.keyId))).toEqual(new Set([oldKeyId, r.key.keyId]));
    const closures = await t.store.closures('day');
    expect(closures.map((c) => c.keyId)).toEqual([oldKeyId, oldKeyId, r.key.keyId]);

    const a = await writeTillArchive(t.svc, { out: `${t.dir}/archives` });
    const report = verifyArchive(readFileSync(a.path), a.path);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.keys.map((k) => k.keyId).sort()).toEqual([oldKeyId, r.key.keyId].sort());
    expect(report.counts.journalEvents).toBe(events.length);
    // The archive carries the key-change statement itself (docs/archive-format.md: journal.jsonl).
    const { default: AdmZip } = await import('adm-zip');
    const jsonl = new AdmZip(a.path).readAsText('journal.jsonl');
    expect(jsonl).toContain(`"newSignature":"${r.change.newSignature}"`);
  });

  it('a key swapped in without a journalled key change → every event it signed is refused, named', async () => {
    const t = await busyTill();
    const { rotateTillSigningKey } = await import('./till-signing-key.ts');
    // What someone replacing DATA/keys/till-signing.pem by hand would do: no key-change event.
    const r = rotateTillSigningKey(t.dir, 'S1-01');
    await cashSale(t.svc, 1, 'A000002');
    await t.svc.close();
    await t.svc.journal.idle();
    const report = await audit(t);
    expect(report.ok).toBe(false);
    const unchained = errors(report).filter((f) => f.kind === 'unchained-key');
    expect(unchained.length).toBeGreaterThan(0);
    expect(unchained[0].message).toContain(`signed by key ${r.key.keyId}, which no key-change event chains`);
  });

  it('a key-change event whose statement the old key did not sign → refused', async () => {
    const t = await busyTill();
    const { generateTillKeyPair } = await import('../sync/till-keys.ts');
    const { makeKeyChange } = await import('../sync/key-change.ts');
    const { writeFileSync: write } = await import('node:fs');
    const { signingKeyPath, signingPublicKeyPath, keysDir } = await import('./till-signing-key.ts');
    // A forger who lacks the old private key signs the "old" half with a key of their own.
    const stranger = generateTillKeyPair();
    const next = generateTillKeyPair();
    const forged = { ...makeKeyChange('S1-01', stranger, next), oldKeyId: t.svc.journal.key.keyId };
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${keysDir(t.dir)}/retired`, { recursive: true });
    write(`${keysDir(t.dir)}/retired/${t.svc.journal.key.keyId}.pub.pem`, t.svc.journal.key.publicKeyPem);
    write(signingKeyPath(t.dir), next.privateKeyPem, { mode: 0o600 });
    write(signingPublicKeyPath(t.dir), next.publicKeyPem);
    const e = await t.svc.journal.record('key-change', { ...forged });
    const report = await audit(t);
    expect(report.ok).toBe(false);
    expect(errors(report)).toContainEqual(expect.objectContaining({ kind: 'bad-key-change', entry: 'journal.jsonl', ref: e!.id }));
  });
});
