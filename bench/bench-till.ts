/**
 * `tillsync bench till`: the till's figures on the disk store, each beside a raw floor measured in
 * the same run — durable sale latency vs a bare single-document Deno KV `set`; barcode lookup vs a
 * bare Map.get; extracting 10,000 tickets vs a bare adm-zip of the same JSONL.
 */
import AdmZip from 'adm-zip';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSection, Figure } from './bench-report.ts';
import { generateArticles } from '../fixtures/articles.ts';
import { CUSTOMERS, PAYMENT_MODES, VAT_RATES, COMPANY } from '../fixtures/store.ts';
import { generateTillTickets } from '../fixtures/volume.ts';
import { D, fmt } from '../sync/money.ts';
import { canonicalJson } from '../sync/ticket-chain.ts';
import type { Article } from '../sync/types.ts';
import { rng } from '../fixtures/random.ts';
import { HealthMonitor } from '../client/health.ts';
import { openBareKv } from '../client/store/deno-kv-global.ts';
import { WRITE_CHUNK } from '../client/store/open-store.ts';
import { TillStore } from '../client/store/till-store.ts';
import { TillService } from '../client/till-service.ts';

export interface BenchTillOptions {
  articles?: number;
  sales?: number;
  extract?: number;
  dir: string;
  log?: (s: string) => void;
}

export interface BenchFigures extends BenchSection {
  raw: {
    articles: number;
    sales: number;
    extract: number;
    baseLoadMs: number;
    openMs: number;
    sale: { p50: number; p99: number; max: number };
    saleFloor: { p50: number; p99: number };
    lookupUs: { p50: number; p99: number };
    lookupFloorUs: { p50: number; p99: number };
    rxdbLookupMs: { p50: number; p99: number };
    extractMs: number;
    extractFloorMs: number;
    zipBytes: number;
    rawJsonBytes: number;
    bareZipBytes: number;
  };
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p99: pct(s, 0.99), max: s[s.length - 1] ?? 0 };
}

const IDENTITY = (serverUrl: string | null = null) => ({ store: 'S1', till: '01', secret: 'bench-secret', serverUrl, createdAt: new Date().toISOString(), rounding: { decimals: 2 as const, vatOn: 'line' as const } });

export async function benchTill(opts: BenchTillOptions): Promise<BenchFigures> {
  const nArticles = opts.articles ?? 50_000;
  const nSales = opts.sales ?? 5_000;
  const nExtract = opts.extract ?? 10_000;
  const log = opts.log ?? (() => {});
  mkdirSync(opts.dir, { recursive: true });
  // A fresh folder of our own inside `dir`, removed at the end: the caller's folder is never wiped.
  const work = mkdtempSync(join(opts.dir, 'bench-till-'));
  try {
    return await runBench(work, nArticles, nSales, nExtract, log);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function runBench(dir: string, nArticles: number, nSales: number, nExtract: number, log: (s: string) => void): Promise<BenchFigures> {
  const opts = { dir };
  const r = rng(42);

  // ── durable sales with the article base loaded ─────────────────────────────────────────────
  const saleDir = join(opts.dir, 'sale-till');
  const articles: Article[] = generateArticles(nArticles, 1);
  let store = await TillStore.open({ dir: saleDir }, { articles: 'lazy' });
  await store.setIdentity(IDENTITY());
  log(`loading ${nArticles} articles into the disk store (chunks of ${WRITE_CHUNK})…`);
  let t0 = performance.now();
  await store.applyBase({ articles, vatRates: VAT_RATES, customers: CUSTOMERS, paymentModes: PAYMENT_MODES, company: COMPANY });
  const baseLoadMs = performance.now() - t0;
  await store.close();

  t0 = performance.now();
  store = await TillStore.open({ dir: saleDir }, { articles: 'all' });
  const openMs = performance.now() - t0;
  log(`store reopened with every article in memory in ${openMs.toFixed(0)} ms`);
  const svc = new TillService(store, saleDir, new HealthMonitor(null));
  const saleSamples: number[] = [];
  let sample = '';
  log(`selling ${nSales} tickets…`);
  for (let i = 0; i < nSales; i++) {
    const lines = [];
    let due = new D(0);
    for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++) {
      const a = articles[Math.floor(r() * articles.length)];
      const qty = 1 + Math.floor(r() * 3);
      lines.push({ article: a.barcode, qty });
      due = due.plus(new D(a.price).times(qty));
    }
    const input = { lines, payments: [{ mode: r() < 0.5 ? 'ESP' : 'CB', amount: fmt(due) }] };
    const s = performance.now();
    const t = await svc.sell(input);
    saleSamples.push(performance.now() - s);
    if (i === 0) sample = canonicalJson(t);
  }
  const sale = stats(saleSamples);

  // Floor: one bare durable Deno KV set of a document of the same size, same kind of file.
  const kv = await openBareKv(join(opts.dir, 'floor.kv'));
  const floorSamples: number[] = [];
  const doc = JSON.parse(sample);
  for (let i = 0; i < Math.min(nSales, 2000); i++) {
    const s = performance.now();
    await kv.set(['ticket', i], { ...doc, number: i + 1 });
    floorSamples.push(performance.now() - s);
  }
  kv.close();
  const saleFloor = stats(floorSamples);

  // ── barcode lookups ─────────────────────────────────────────────────────────────────────────
  const lookups = 100_000;
  const barcodes = Array.from({ length: lookups }, () => articles[Math.floor(r() * articles.length)].barcode);
  const lookupSamples: number[] = [];
  for (const b of barcodes) {
    const s = performance.now();
    const a = store.base.article(b);
    lookupSamples.push((performance.now() - s) * 1000);
    if (!a) throw new Error(`bench: barcode ${b} not found`);
  }
  const bare = new Map(articles.map((a) => [a.barcode, a]));
  const bareSamples: number[] = [];
  for (const b of barcodes) {
    const s = performance.now();
    const a = bare.get(b);
    bareSamples.push((performance.now() - s) * 1000);
    if (!a) throw new Error('bench: bare lookup failed');
  }
  const rxSamples: number[] = [];
  for (const b of barcodes.slice(0, 500)) {
    const s = performance.now();
    await store.db.base.findOne({ selector: { barcode: b } }).exec();
    rxSamples.push(performance.now() - s);
  }
  await store.close();
  const lookupUs = stats(lookupSamples);
  const lookupFloorUs = stats(bareSamples);
  const rxdbLookupMs = stats(rxSamples);

  // ── extraction ──────────────────────────────────────────────────────────────────────────────
  const exDir = join(opts.dir, 'extract-till');
  const ex = await TillStore.open({ dir: exDir }, { articles: 'lazy' });
  await ex.setIdentity(IDENTITY());
  log(`storing ${nExtract} tickets to extract…`);
  const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: nExtract, articles: articles.slice(0, 2000), seed: 3 })];
  for (let i = 0; i < tickets.length; i += WRITE_CHUNK) await ex.db.tickets.bulkInsert(tickets.slice(i, i + WRITE_CHUNK));
  await ex.close();
  const ex2 = await TillStore.open({ dir: exDir }, { articles: 'lazy' });
  const exSvc = new TillService(ex2, exDir, new HealthMonitor(null));
  await ex2.ledger();
  t0 = performance.now();
  const res = await exSvc.extract({ kind: 'untransferred', out: join(opts.dir, 'packages') });
  const extractMs = performance.now() - t0;
  await ex2.close();
  if (res.count !== nExtract || !res.file) throw new Error(`bench: extracted ${res.count} tickets, expected ${nExtract}`);
  const jsonl = Buffer.from(tickets.map((t) => canonicalJson(t) + '\n').join(''), 'utf8');
  t0 = performance.now();
  const z = new AdmZip();
  z.addFile('tickets.jsonl', jsonl);
  const bareZip = z.toBuffer();
  const extractFloorMs = performance.now() - t0;

  const ratioPct = (100 * res.file.bytes) / jsonl.length;
  const figures: Figure[] = [
    { name: `durable sale latency p50 (${nArticles} articles)`, value: sale.p50, unit: 'ms', floor: saleFloor.p50, note: 'floor: one bare Deno KV set of a sold ticket' },
    { name: `durable sale latency p99 (${nArticles} articles)`, value: sale.p99, unit: 'ms', floor: saleFloor.p99, target: '≤ 15 ms', met: sale.p99 <= 15 },
    { name: 'barcode lookup p50', value: lookupUs.p50, unit: 'µs', floor: lookupFloorUs.p50 },
    { name: 'barcode lookup p99', value: lookupUs.p99, unit: 'µs', floor: lookupFloorUs.p99, target: '≤ 2 ms', met: lookupUs.p99 <= 2000, note: `the in-process index; through RxDB's barcode index it is p50 ${rxdbLookupMs.p50.toFixed(2)} ms, p99 ${rxdbLookupMs.p99.toFixed(2)} ms` },
    { name: `extraction of ${nExtract} tickets`, value: extractMs, unit: 'ms', floor: extractFloorMs, target: '≤ 1,500 ms', met: extractMs <= 1500, note: 'read from the store, sign, zip, write atomically and record; floor: bare adm-zip of the same JSONL' },
    { name: 'package size / raw JSON', value: ratioPct, unit: '%', floor: (100 * bareZip.length) / jsonl.length, target: '≤ 15 %', met: ratioPct <= 15, note: `${res.file.bytes} bytes for ${jsonl.length} bytes of JSONL` },
    { name: `base data load (${nArticles} articles, chunks of ${WRITE_CHUNK})`, value: baseLoadMs, unit: 'ms' },
    { name: 'store open with every article in memory', value: openMs, unit: 'ms' },
  ];
  return {
    title: 'Till station',
    params: { articles: nArticles, sales: nSales, extract: nExtract },
    figures,
    raw: { articles: nArticles, sales: nSales, extract: nExtract, baseLoadMs, openMs, sale, saleFloor, lookupUs, lookupFloorUs, rxdbLookupMs, extractMs, extractFloorMs, zipBytes: res.file.bytes, rawJsonBytes: jsonl.length, bareZipBytes: bareZip.length },
  };
}
