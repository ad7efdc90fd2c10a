/**
 * Base files by mail, end to end, all through the CLI: the server publishes a signed bundle to the
 * recipients of pvpplstmail.txt (a real SMTP server on loopback receives it), the cashier saves
 * the attachment in the till's fcomp folder, the ready pilot applies it, and the till — its
 * server unreachable — sells the NEW article at the NEW price. A truncated bundle and an older
 * bundle change nothing; a list file without FIN LISTE is refused with its line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoBaseData } from '../../fixtures/store.ts';
import { TillStore } from '../../client/store/till-store.ts';
import { scanDocs } from '../../client/store/open-store.ts';
import type { BaseData } from '../../sync/types.ts';
import { MailSink, ok, tillsync } from './pilot-harness.ts';

const ROOT = join(import.meta.dirname, '..', '..', 'pilots');
const NEW = { code: 'NEW001', barcode: '3760000999993', label: 'Parapluie pliant', price: '12.50', vatCode: 'VN' };

let shop: string;
let serveur: string;
let caisse: string;
let fcomp: string;
let sink: MailSink;
let base: BaseData;

function baseFile(edit: (b: BaseData) => void): string {
  edit(base);
  const file = join(shop, `base-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(base));
  return file;
}

async function tillSnapshot(): Promise<string> {
  const store = await TillStore.open({ dir: caisse });
  try {
    return JSON.stringify({ base: await scanDocs(store.db.base), identity: store.identity, state: readFileSync(join(caisse, 'base', 'state.json'), 'utf8') });
  } finally {
    await store.close();
  }
}

async function sellOffline(barcode: string, price: string): Promise<any> {
  const sale = join(shop, 'sale.json');
  writeFileSync(sale, JSON.stringify({ lines: [{ article: barcode, qty: 1 }], payments: [{ mode: 'CB', amount: price }] }));
  return ok(['till', 'sell', '--data', caisse, '--input', sale]);
}

beforeAll(async () => {
  shop = mkdtempSync(join(tmpdir(), 'tillsync-base-'));
  serveur = join(shop, 'serveur');
  caisse = join(shop, 'caisse');
  fcomp = join(caisse, 'fcomp');
  base = structuredClone(demoBaseData());
  sink = await new MailSink().start();
  await ok(['server', 'init', '--demo-base', '--data', serveur]);
  const { secret } = await ok(['server', 'enroll-till', '--data', serveur, '--till', '01']);
  // Nobody answers on this URL: every sale below happens offline (degraded mode).
  await ok(['till', 'init', '--demo-base', '--data', caisse, '--store', 'S1', '--till', '01', '--server', 'http://127.0.0.1:9', '--secret', secret]);
  const { baseKey } = await ok(['server', 'base-key', '--data', serveur]);
  await ok(['till', 'base-key', '--data', caisse, '--set', baseKey]);
  mkdirSync(fcomp);
  cpSync(join(ROOT, 'seed', 'pvpplstfic.txt'), join(shop, 'pvpplstfic.txt'));
  writeFileSync(join(shop, 'pvpplstmail.txt'), 'DEBUT LISTE\ncaisse01@magasin.example\nFIN LISTE\n');
  writeFileSync(join(shop, 'server-defaults.txt'), `serverData=serveur\nmailList=pvpplstmail.txt\nfilesList=pvpplstfic.txt\nsmtpUrl=${sink.url}\n`);
  writeFileSync(join(shop, 'till-defaults.txt'), 'tillData=caisse\nbaseInbox=caisse/fcomp\n');
});

afterAll(async () => {
  await sink.stop();
  rmSync(shop, { recursive: true, force: true });
});

describe('base files by mail', { timeout: 400_000 }, () => {
  it('a bundle published by mail is received, applied by the ready pilot, and the till sells the new article at the new price offline', async () => {
    const old = base.articles[1]!;
    await ok(['server', 'init', '--data', serveur, '--base', baseFile((b) => {
      b.articles[1] = { ...old, price: '42.00' };
      b.articles.push(NEW);
    })]);
    const published = await tillsync(['--json', 'pilot', 'run', join(ROOT, 'ready', 'publish-base-mail.txt'), '--defaults', join(shop, 'server-defaults.txt')]);
    expect(published.code, published.stderr).toBe(0);
    expect(sink.messages).toHaveLength(1);
    const msg = sink.messages[0]!;
    expect(msg.to).toEqual(['caisse01@magasin.example']);
    const attachment = msg.mail.attachments.find((a) => /^BaseS1_\d{14}\.zip$/.test(a.filename ?? ''))!;
    expect(attachment).toBeDefined();
    // The body tells the cashier what to do with it at the till, not at the server.
    expect(msg.mail.text).toContain('tillsync till apply-base');
    expect(msg.mail.text).not.toContain('server intake');
    // The cashier saves the attachment into the till's fcomp folder, as the seed describes.
    writeFileSync(join(fcomp, attachment.filename!), attachment.content);

    const before = await sellOffline(old.barcode, old.price);
    expect(before.lines[0].unitPrice).toBe(old.price);
    const applied = await tillsync(['--json', 'pilot', 'run', join(ROOT, 'ready', 'apply-base.txt'), '--defaults', join(shop, 'till-defaults.txt')]);
    expect(applied.code, applied.stderr).toBe(0);
    const out = applied.json.steps[0].commands[0].output;
    expect(out).toMatchObject({ status: 'applied', version: 1, store: 'S1' });
    expect(out.changes.articles.added).toEqual(['NEW001']);
    expect(out.changes.articles.priceChanged).toEqual([{ code: old.code, from: old.price, to: '42.00' }]);
    expect(out.changes.articles.removed).toEqual([]);
    expect(out.indexed.articles).toBe(301);

    const sold = await sellOffline(NEW.barcode, '12.50');
    expect(sold.degraded).toBe(true);
    expect(sold.lines[0]).toMatchObject({ article: 'NEW001', unitPrice: '12.50', inclVat: '12.50', exclVat: '10.42', vat: '2.08' });
    const repriced = await sellOffline(old.barcode, '42.00');
    expect(repriced.lines[0].unitPrice).toBe('42.00');
  });

  it('a truncated bundle changes nothing; a newer one applies; an older one is then refused and changes nothing', async () => {
    const lan = join(shop, 'lan');
    mkdirSync(lan);
    await ok(['server', 'init', '--data', serveur, '--base', baseFile((b) => (b.articles[b.articles.length - 1] = { ...NEW, price: '13.00' }))]);
    const v2 = await ok(['server', 'publish-base', '--data', serveur, '--lan', lan]);
    expect(v2.version).toBe(2);
    const bytes = readFileSync(v2.delivered);
    const damaged = join(shop, 'damaged');
    mkdirSync(damaged);
    writeFileSync(join(damaged, v2.fileName), bytes.subarray(0, Math.floor(bytes.length * 0.7)));

    const before = await tillSnapshot();
    const truncated = await tillsync(['till', 'apply-base', '--data', caisse, join(damaged, v2.fileName)]);
    expect(truncated.code).not.toBe(0);
    expect(truncated.stderr).toMatch(new RegExp(`^tillsync: .*${v2.fileName.replace('.', '\\.')}.*`, 'm'));
    expect(await tillSnapshot()).toBe(before);

    const good = await ok(['till', 'apply-base', '--data', caisse, v2.delivered]);
    expect(good.changes.articles.priceChanged).toEqual([{ code: 'NEW001', from: '12.50', to: '13.00' }]);
    const after = await tillSnapshot();

    const v1 = join(fcomp, readdirSync(fcomp).find((f) => f.startsWith('BaseS1_'))!);
    const older = await tillsync(['till', 'apply-base', '--data', caisse, v1]);
    expect(older.code).toBe(1);
    expect(older.stderr).toMatch(/^tillsync: BaseS1_\d{14}\.zip: base bundle v1 \(.*\) is older than v2 \(.*\) already applied on this till \(nothing was changed/m);
    expect(await tillSnapshot()).toBe(after);
    expect((await sellOffline(NEW.barcode, '13.00')).lines[0].unitPrice).toBe('13.00');
  });

  it('a mail list without FIN LISTE stops the publishing pilot at its line, naming the list file line, and sends nothing', async () => {
    writeFileSync(join(shop, 'pvpplstmail.txt'), 'DEBUT LISTE\ncaisse01@magasin.example\ncaisse02@magasin.example\n');
    const sent = sink.messages.length;
    const r = await tillsync(['pilot', 'run', join(ROOT, 'ready', 'publish-base-mail.txt'), '--defaults', join(shop, 'server-defaults.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('publish-base-mail.txt line 4:');
    expect(r.stderr).toContain(`${join(shop, 'pvpplstmail.txt')} line 3: "FIN LISTE" is missing at the end of the list`);
    expect(sink.messages.length).toBe(sent);
  });
});
