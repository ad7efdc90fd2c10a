/**
 * `tillsync pilot run` end to end: real child processes, a real SQLite store server and a real
 * till store on disk. The steps here use the base-file verbs (publish-base, apply-base), which
 * need nothing but a server data folder and a till data folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/database.ts';
import { defaultConfig, writeServerConfig } from '../../server/context.ts';
import { saveBaseData, loadBaseData } from '../../server/base-data.ts';
import { TillStore } from '../../client/store/till-store.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { listTree, ok, tillsync } from './pilot-harness.ts';

const SEED = join(import.meta.dirname, '..', '..', 'pilots', 'seed');

let shop: string;
let serveur: string;
let caisse: string;
let fcomp: string;
let me: string;

async function setPrice(code: string, price: string, add?: { code: string; barcode: string; label: string; price: string; vatCode: string }): Promise<void> {
  const db = await openDatabase({ data: serveur });
  const base = await loadBaseData(db);
  base.articles = base.articles.map((a) => (a.code === code ? { ...a, price } : a));
  if (add) base.articles.push(add);
  await saveBaseData(db, base);
  await db.destroy();
}

beforeAll(async () => {
  shop = mkdtempSync(join(tmpdir(), 'tillsync-shop-'));
  serveur = join(shop, 'serveur');
  caisse = join(shop, 'caisse');
  fcomp = join(shop, 'fcomp');
  mkdirSync(fcomp);
  writeServerConfig(serveur, defaultConfig(serveur, 'S1'));
  const db = await openDatabase({ data: serveur });
  await saveBaseData(db, demoBaseData(30));
  await db.destroy();
  const till = await TillStore.open({ dir: caisse });
  await till.setIdentity({ store: 'S1', till: '01', secret: 'f'.repeat(64), serverUrl: null, createdAt: new Date().toISOString(), rounding: { decimals: 2, vatOn: 'line' } });
  await till.applyBase(demoBaseData(30));
  await till.close();
  me = join(shop, 'me.txt');
  writeFileSync(me, `; the operator's own defaults\ntillData=caisse\nserverData=serveur\nlanDir=fcomp\nbaseInbox=fcomp\n`);
  const key = (await ok(['server', 'base-key', '--data', serveur])).baseKey;
  await ok(['till', 'base-key', '--data', caisse, '--set', key]);
});

afterAll(() => {
  rmSync(shop, { recursive: true, force: true });
});

describe('pilot run', { timeout: 400_000 }, () => {
  it('runs each step in order, logs outcome and duration, and the till ends with the new prices', async () => {
    await setPrice('A000001', '77.70', { code: 'NEW001', barcode: '3760000999993', label: 'Parapluie', price: '12.50', vatCode: 'VN' });
    const pilot = join(shop, 'refresh.txt');
    writeFileSync(pilot, '; refresh the till base files over the LAN\npublish-base,lan\napply-base\n');
    const r = await tillsync(['--json', 'pilot', 'run', pilot, '--defaults', me]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.steps.map((s: any) => [s.line, s.status])).toEqual([[2, 'ok'], [3, 'ok']]);
    expect(r.json.steps[0].commands[0].display).toContain('tillsync server publish-base --data');
    expect(r.json.steps[1].commands[0].output.changes.articles.added).toEqual(['NEW001']);
    expect(r.json.steps[1].commands[0].output.changes.articles.priceChanged).toEqual([expect.objectContaining({ code: 'A000001', to: '77.70' })]);
    const log = readFileSync(r.json.logFile, 'utf8');
    expect(r.json.logFile.startsWith(join(caisse, 'log', 'pilot-'))).toBe(true);
    expect(log).toMatch(/refresh\.txt:2 publish-base,lan — OK in \d+\.\ds/);
    expect(log).toMatch(/refresh\.txt:3 apply-base — OK in \d+\.\ds/);
    const till = await TillStore.open({ dir: caisse });
    try {
      expect((await till.base.findArticle('3760000999993'))?.price).toBe('12.50');
      expect((await till.base.findArticle('A000001'))?.price).toBe('77.70');
    } finally {
      await till.close();
    }
  });

  it('stops at the first failing step with the file, line and reason, exits non-zero and runs nothing after it', async () => {
    writeFileSync(join(shop, 'garbage.zip'), 'this is not a bundle');
    const before = readdirSync(fcomp).length;
    const pilot = join(shop, 'broken.txt');
    writeFileSync(pilot, '; a pilot whose second step fails\npublish-base,lan\napply-base,garbage.zip\npublish-base,lan\n');
    const r = await tillsync(['pilot', 'run', pilot, '--defaults', me]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tillsync: ${pilot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 3: .*garbage\\.zip`, 'm'));
    expect(r.stdout).toContain('pilot stopped at line 3');
    expect(readdirSync(fcomp).length).toBe(before + 1);
    const json = await tillsync(['--json', 'pilot', 'run', pilot, '--defaults', me]);
    expect(json.code).toBe(1);
    expect(json.json.failure).toMatchObject({ line: 3 });
    expect(json.json.steps.map((s: any) => s.status)).toEqual(['ok', 'failed', 'not-run']);
    expect(readFileSync(json.json.logFile, 'utf8')).toContain('STOPPED at line 3');
  });

  it('--dry-run shows what would run, with placeholders, and writes nothing anywhere', async () => {
    const pilot = join(shop, 'refresh.txt');
    const before = listTree(shop);
    const r = await tillsync(['--json', 'pilot', 'run', pilot, '--dry-run', '--defaults', me]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.steps.map((s: any) => s.status)).toEqual(['planned', 'planned']);
    expect(r.json.steps[0].commands[0].argv).toEqual(['server', 'publish-base', '--data', serveur, '--lan', fcomp]);
    expect(r.json.steps[1].commands[0].argv).toEqual(['till', 'apply-base', '--data', caisse, fcomp]);
    expect(r.json.logFile).toBeNull();
    expect(listTree(shop)).toEqual(before);
  });

  it('--dry-run reports every bad line with its number: unknown action, argument count, missing default, missing file, unknown keyword', async () => {
    const pilot = join(shop, 'bad.txt');
    writeFileSync(pilot, ['publish-base,lan', 'explode,now', 'close,now,please', 'send,mail', 'apply-base,nope.zip', 'pvppreco1.dhop,zzz', ',x'].join('\n'));
    const before = listTree(shop);
    const r = await tillsync(['--json', 'pilot', 'run', pilot, '--dry-run', '--defaults', me]);
    expect(r.code).toBe(1);
    const problems = r.json.problems.map((p: any) => [p.line, p.reason]);
    expect(problems.map((p: any) => p[0])).toEqual([2, 3, 4, 5, 6, 7]);
    expect(problems[0][1]).toContain('unknown action "explode"');
    expect(problems[1][1]).toContain('close takes 0 argument(s), found 2');
    expect(problems[2][1]).toContain('needs the default "mailTo"');
    expect(problems[3][1]).toContain(`${join(shop, 'nope.zip')} not found`);
    expect(problems[4][1]).toContain('keyword "zzz" is not defined');
    expect(problems[5][1]).toContain('action name is missing');
    expect(listTree(shop)).toEqual(before);
    // Without --dry-run the same file is refused before its first (valid) line runs.
    const real = await tillsync(['pilot', 'run', pilot, '--defaults', me]);
    expect(real.code).toBe(1);
    expect(real.stderr).toContain('line 2: unknown action "explode"');
  });

  it('runs the seed LAN pilot through its aliases: plans extract, LAN delivery, intake and immediate integration, then restores the user defaults', async () => {
    const pilots = join(shop, 'pilots');
    cpSync(SEED, pilots, { recursive: true });
    mkdirSync(join(serveur, 'inbox'), { recursive: true });
    const before = listTree(shop);
    const r = await tillsync(['--json', 'pilot', 'run', join(pilots, 'pvpprecolan.txt'), '--dry-run', '--defaults', me]);
    expect(r.code, r.stderr + JSON.stringify(r.json?.problems)).toBe(0);
    const byLine = Object.fromEntries(r.json.steps.map((s: any) => [s.line, s]));
    expect(byLine[3].commands[0].argv).toEqual(['till', 'extract', '--data', caisse, '--kind', 'degraded', '--out', join(caisse, 'packages')]);
    expect(byLine[4].note).toBe(`load defaults ${join(pilots, 'implicitestpv.txt')}`);
    expect(byLine[6].commands.map((c: any) => c.argv.slice(0, 2).join(' '))).toEqual(['till send', 'server intake', 'server integrate']);
    expect(byLine[6].commands[0].argv).toContain(join(serveur, 'inbox'));
    expect(byLine[6].commands[1].argv).toEqual(['server', 'intake', '--data', serveur, '<file written by the step before>']);
    expect(byLine[6].commands[2].argv).toEqual(['server', 'integrate', '--data', serveur, '--until', 'today']);
    expect(byLine[8].note).toBe("restore the user's defaults");
    expect(listTree(shop)).toEqual(before);
    expect(existsSync(join(caisse, 'log'))).toBe(true); // from the real runs above, untouched here
  });
});
