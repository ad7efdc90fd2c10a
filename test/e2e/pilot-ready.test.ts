/**
 * The ready pilots of pilots/ready/ on a real till and server: degraded tickets by LAN with
 * immediate integration, then the nightly chain (integrate → post → letter → export) which ends
 * with a FEC file holding the posted sales.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/database.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { ok, tillsync } from './pilot-harness.ts';

const READY = join(import.meta.dirname, '..', '..', 'pilots', 'ready');
let shop: string;
let serveur: string;
let caisse: string;

beforeAll(async () => {
  shop = mkdtempSync(join(tmpdir(), 'tillsync-ready-'));
  serveur = join(shop, 'serveur');
  caisse = join(shop, 'caisse');
  await ok(['server', 'init', '--demo-base', '--data', serveur]);
  const { secret } = await ok(['server', 'enroll-till', '--data', serveur, '--till', '01']);
  await ok(['till', 'init', '--demo-base', '--data', caisse, '--store', 'S1', '--till', '01', '--server', 'http://127.0.0.1:9', '--secret', secret]);
  const a = demoBaseData().articles[4]!;
  const sale = join(shop, 'sale.json');
  writeFileSync(sale, JSON.stringify({ lines: [{ article: a.code, qty: 2 }], payments: [{ mode: 'CB', amount: (Number(a.price.replace('.', '')) * 2 / 100).toFixed(2) }] }));
  for (let i = 0; i < 2; i++) await ok(['till', 'sell', '--data', caisse, '--input', sale]);
  writeFileSync(join(shop, 'defaults.txt'), 'tillData=caisse\nserverData=serveur\nlanDir=serveur/inbox\nuntil=today\nexportTo=today\nexportOut=exports\n');
});

afterAll(() => rmSync(shop, { recursive: true, force: true }));

describe('ready pilots', { timeout: 400_000 }, () => {
  it('degraded-lan.txt then nightly.txt: tickets delivered, integrated, posted, lettered and exported to FEC', async () => {
    const lan = await tillsync(['--json', 'pilot', 'run', join(READY, 'degraded-lan.txt'), '--defaults', join(shop, 'defaults.txt')]);
    expect(lan.code, lan.stderr).toBe(0);
    expect(lan.json.steps.map((s: any) => s.action)).toEqual(['extract', 'send', 'intake', 'integrate']);
    expect(lan.json.steps.every((s: any) => s.status === 'ok')).toBe(true);

    const nightly = await tillsync(['--json', 'pilot', 'run', join(READY, 'nightly.txt'), '--defaults', join(shop, 'defaults.txt')]);
    expect(nightly.code, nightly.stderr).toBe(0);
    expect(nightly.json.steps.map((s: any) => [s.action, s.status])).toEqual([['integrate', 'ok'], ['post', 'ok'], ['letter', 'ok'], ['export', 'ok']]);
    expect(nightly.json.logFile).toBe(join(caisse, 'log', nightly.json.logFile.split('/').pop()));

    let entriesCount = 0;
    const db = await openDatabase({ data: serveur });
    try {
      const docs = await db.selectFrom('tickets').select(['id', 'document_number']).execute();
      expect(docs).toHaveLength(2);
      expect(docs.every((d) => d.document_number)).toBe(true);
      const entries = await db.selectFrom('entries').select('id').execute();
      entriesCount = entries.length;
      expect(entriesCount).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
    const exportCmd = nightly.json.steps[3].commands[0];
    expect(exportCmd.argv).toContain(join(shop, 'exports'));
    expect(exportCmd.output.status).toBe('written');
    expect(exportCmd.output.entryCount).toBe(entriesCount);
    expect(existsSync(exportCmd.output.file)).toBe(true);
    expect(readFileSync(exportCmd.output.file, 'latin1')).toMatch(/^JournalCode\t/);
  });
});
