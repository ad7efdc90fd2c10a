/**
 * `tillsync demo` (also `npm start`): the whole product in one run, on embedded defaults, with real
 * processes — a store server (SQLite, LAN inbox, SMTP listener on loopback) and two tills — going
 * through a day with a network cut. Every step is a real `tillsync` command or the till's own HTTP
 * API, so what the demo shows is exactly what an operator would run.
 */
import type { Command } from 'commander';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { run } from './output.ts';
import { runTillsync, startTillsync, type RunResult, type Started } from './spawn-tillsync.ts';
import { TillsyncError } from '../sync/errors.ts';
import { freePort } from '../sync/free-port.ts';
import { camt053v02 } from '../fixtures/bank-statements.ts';
import { readApiToken, TOKEN_HEADER } from '../client/api-token.ts';

const MAIL_TO = 'tickets@boutique-demo.example';
/** How long a server or till may take to say it is ready (as long as a step: a loaded machine starts both tills at once). */
const START_TIMEOUT_MS = 120_000;

/** Runs a tillsync command with --json and fails the demo with its one-line error if it fails. */
async function cli(args: string[], input?: string): Promise<any> {
  const r: RunResult = await runTillsync([...args, '--json'], { input, timeoutMs: 120_000 });
  if (r.code !== 0) {
    const line = r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`;
    throw new TillsyncError('demo-step', `demo step "tillsync ${args.slice(0, 2).join(' ')}" failed: ${line.replace(/^tillsync: /, '')}`, { hint: 'run again with --keep DIR and look at DIR/*/log' });
  }
  return r.json;
}

interface Sale {
  customer?: string;
  lines: { article: string; qty: number; unitPrice?: string; return?: boolean; returnOf?: string; discount?: { percent?: string; amount?: string } }[];
  settlements?: { kind: 'invoice' | 'deposit'; ref: string; amount: string }[];
  payments: { mode: string; amount: string; ref?: string }[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new TillsyncError('demo-timeout', `demo: timed out waiting for ${what}`, { hint: 'run again with --keep DIR and look at the logs' });
    await new Promise((r) => setTimeout(r, 250));
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

export interface DemoSummary {
  folder: string;
  kept: boolean;
  seconds: number;
  sales: { online: number; degraded: number };
  ticketsPerChannel: Record<string, number>;
  duplicatesIgnored: number;
  packages: { accepted: number; duplicate: number; quarantined: number };
  documents: Record<string, number>;
  entries: number;
  openItems: { customer: string; amount: string }[];
  /** Bank statement lines booked and lettered, marketplace sales imported as invoices (server/imports/). */
  imports: { bankLinesLettered: number; marketplaceInvoices: string[] };
  /** NF525 archives (each till's, the server's month) and what tillsync audit verify said of them. */
  archives: { file: string; ok: boolean; checks: number; findings: number; key: string }[];
  files: string[];
}

export async function runDemo(opts: { keep?: string; say: (line: string) => void }): Promise<DemoSummary> {
  const started = Date.now();
  const root = opts.keep ? resolve(opts.keep) : mkdtempSync(join(tmpdir(), 'tillsync-demo-'));
  if (opts.keep) {
    if (existsSync(root) && readdirSync(root).length) throw new TillsyncError('usage', `--keep folder ${root} is not empty`, { hint: 'give a new or empty folder' });
    mkdirSync(root, { recursive: true });
  }
  const serverData = join(root, 'server');
  const inbox = join(serverData, 'inbox');
  const outDir = join(root, 'outgoing');
  const exportsDir = join(root, 'exports');
  const tills = ['01', '02'].map((till) => ({ till, data: join(root, `till${till}`), proc: null as Started | null, url: '' }));
  const running: Started[] = [];
  const { MailRelay } = await import('./demo-mail-relay.ts');
  const relay = new MailRelay();
  const say = (line: string) => opts.say(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);
  const today = new Date().toISOString().slice(0, 10);
  let online = 0;
  let degraded = 0;

  const sell = async (t: (typeof tills)[number], sale: Sale) => {
    const r = await fetch(`${t.url}/api/till/sell`, { method: 'POST', headers: { ...tillAuth(t), 'content-type': 'application/json' }, body: JSON.stringify(sale) });
    const body: any = await r.json();
    if (!r.ok) throw new TillsyncError('demo-sale', `demo sale on till ${t.till} refused: ${body?.error?.message ?? r.status}`);
    return body;
  };
  const tillApi = async (t: (typeof tills)[number], path: string, body: unknown) => {
    const r = await fetch(`${t.url}/api/till${path}`, { method: 'POST', headers: { ...tillAuth(t), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const out: any = await r.json();
    if (!r.ok) throw new TillsyncError('demo-step', `demo: till ${t.till} ${path} failed: ${out?.error?.message ?? r.status}`);
    return out;
  };
  const tillStatus = async (t: (typeof tills)[number]) => (await (await fetch(`${t.url}/api/till/status`, { headers: tillAuth(t) })).json()) as any;
  const startServer = async (httpPort: number, smtpPort: number) => {
    const s = await startTillsync(['server', 'start', '--data', serverData, '--tls', '--port', String(httpPort), '--host', '127.0.0.1', '--inbox', inbox, '--smtp-port', String(smtpPort), '--mail-to', MAIL_TO], /listening on/, { timeoutMs: START_TIMEOUT_MS });
    running.push(s);
    return s;
  };

  try {
    // 1. The store server and two enrolled tills.
    say(`folder: ${root}`);
    const httpPort = await freePort();
    const smtpPort = await freePort();
    // TLS between tills and server: the server's self-signed certificate, pinned by each till
    // through its enrolment string (URL, till, auth secret, fingerprint).
    const serverUrl = `https://127.0.0.1:${httpPort}`;
    const init = await cli(['server', 'init', '--demo-base', '--data', serverData]);
    const enrolments: string[] = [];
    for (const t of tills) enrolments.push((await cli(['server', 'enroll-till', '--data', serverData, '--till', t.till, '--server-url', serverUrl])).enrolment);
    // Each till in its own folder: both set up at once.
    await Promise.all(tills.map((t, i) => cli(['till', 'init', '--demo-base', '--data', t.data, '--enrolment', enrolments[i]])));
    say(`server certificate ${init.tls.fingerprint.slice(0, 23)}… pinned by both tills`);
    let server = await startServer(httpPort, smtpPort);
    const startTill = async (t: (typeof tills)[number]) => {
      const p = await startTillsync(['till', 'start', '--data', t.data, '--port', '0', '--pull-interval', '500', '--json'], /"ready":true/, { timeoutMs: START_TIMEOUT_MS });
      running.push(p);
      t.proc = p;
      t.url = JSON.parse(p.output().split('\n').find((l) => l.includes('"ready":true'))!).url;
    };
    await Promise.all(tills.map(startTill));
    say(`store server on ${serverUrl}; tills 01 and 02 selling online`);

    // 2. Online sales that replicate, including a credit sale to be part-paid later.
    const [t1, t2] = tills;
    await sell(t1, { lines: [{ article: 'A000001', qty: 2 }, { article: 'A000002', qty: 1 }], payments: [{ mode: 'ESP', amount: await dueOf(t1, [{ article: 'A000001', qty: 2 }, { article: 'A000002', qty: 1 }]) }] });
    await sell(t1, { customer: 'C0000001', lines: [{ article: 'A000003', qty: 1, unitPrice: '483.60' }], payments: [{ mode: 'CB', amount: '483.60' }] });
    await sell(t2, { customer: 'C0000003', lines: [{ article: 'A000004', qty: 1, unitPrice: '248.69' }], payments: [{ mode: 'CRED', amount: '248.69' }] });
    await sell(t2, { lines: [{ article: 'A000005', qty: 1, unitPrice: '13.46' }], payments: [{ mode: 'ESP', amount: '13.46' }] });
    online = 4;
    await waitFor('online tickets to be acknowledged', async () => {
      const s = await Promise.all(tills.map(tillStatus));
      return s.every((x) => x.counts.acknowledged >= (x === s[0] ? 2 : 2)) ? true : undefined;
    });
    say('4 online sales replicated and acknowledged by the server');

    // The credit sale becomes an invoice now, so that the customer can part-pay it at the till later.
    await cli(['server', 'integrate', '--data', serverData, '--until', today, '--customers', 'C0000003']);
    const creditInvoice = (await documentNumbers(serverData)).find((d) => d.customer === 'C0000003')?.number;
    if (!creditInvoice) throw new TillsyncError('demo-step', 'demo: the credit sale did not become an invoice');
    say(`credit sale of 248.69 integrated as invoice ${creditInvoice}`);

    // 3. The network is cut: the tills no longer reach the server.
    await server.stop();
    running.splice(running.indexOf(server), 1);
    await waitFor('the tills to notice the server is away', async () => ((await Promise.all(tills.map(tillStatus))).every((s) => s.online === false || s.mode === 'degraded') ? true : undefined), 20_000);
    say('network cut: both tills sell in degraded mode');

    const degradedSales: [typeof t1, Sale][] = [
      [t1, { lines: [{ article: 'A000006', qty: 3 }], payments: [{ mode: 'ESP', amount: await dueOf(t1, [{ article: 'A000006', qty: 3 }]) }] }],
      [t1, { customer: 'C0000001', lines: [{ article: 'A000007', qty: 1, unitPrice: '159.90' }], payments: [{ mode: 'CB', amount: '159.90' }] }],
      [t1, { customer: 'C0000001', lines: [{ article: 'A000008', qty: 1, unitPrice: '200.00' }], payments: [{ mode: 'CHQ', amount: '200.00' }] }],
      [t1, { customer: 'C0000004', lines: [{ article: 'A000009', qty: 2, unitPrice: '35.00' }], payments: [{ mode: 'CRED', amount: '70.00' }] }],
      [t1, { lines: [{ article: 'A000006', qty: -1, return: true }], payments: [{ mode: 'ESP', amount: `-${await dueOf(t1, [{ article: 'A000006', qty: 1 }])}` }] }],
      [t2, { customer: 'C0000002', lines: [], settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB', amount: '100.00' }] }],
      [t2, { customer: 'C0000002', lines: [{ article: 'A000010', qty: 1, unitPrice: '664.00' }], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB', amount: '564.00' }] }],
      [t2, { customer: 'C0000003', lines: [], settlements: [{ kind: 'invoice', ref: creditInvoice, amount: '100.69' }], payments: [{ mode: 'CB', amount: '100.69' }] }],
      [t2, { customer: 'C0000005', lines: [{ article: 'A000011', qty: 4, unitPrice: '12.50' }], payments: [{ mode: 'CPT', amount: '50.00' }] }],
    ];
    let firstSale: string | undefined;
    for (const [t, sale] of degradedSales) {
      // The return names the sale it comes back from: its credit note cites that invoice (CGI 289-I-5).
      if (sale.lines[0]?.return && firstSale) sale.lines[0].returnOf = firstSale;
      const ticket = await sell(t, sale);
      firstSale ??= ticket.id;
      if (!ticket.degraded) throw new TillsyncError('demo-step', `demo: ticket ${ticket.id} sold during the cut is not flagged degraded`);
      degraded++;
    }
    say(`${degraded} degraded sales: cash, card, cheque, credit sale, a return, a deposit and its use, a partial invoice settlement, a delivery-note sale`);

    // 4. Closure, extraction, delivery: till 01 over the LAN, till 02 by mail (held by the mail relay).
    // Each till does its own evening, both at once.
    const relayPort = await relay.start();
    const evening = async (t: (typeof tills)[number], sendTo: string[]) => {
      await cli(['till', 'close', '--data', t.data]);
      // NF525: the month is closed too (signed, chained, summing the day's Z), through the till's own API.
      await tillApi(t, '/close', { period: 'month' });
      const x = await cli(['till', 'extract', '--data', t.data, '--kind', 'degraded', '--out', outDir]);
      await cli(['till', 'send', x.path, '--data', t.data, ...sendTo]);
      return x;
    };
    const [x1, x2] = await Promise.all([evening(t1, ['--lan', inbox]), evening(t2, ['--mail', MAIL_TO, '--smtp', `smtp://127.0.0.1:${relayPort}`])]);
    say(`closures done; ${x1.fileName} dropped in the LAN inbox, ${x2.fileName} mailed (${relay.waiting} held by the mail provider)`);

    // 5. The server comes back: inbox, mail, a second delivery of the same package, replication.
    // The tills are closed for the night meanwhile and open again once the packages are in, so the
    // story is the same on every run: packages first, then replication finds their tickets known
    // (a till pushing first would also be stored once, but the channels would differ run to run).
    await Promise.all(tills.map((t) => t.proc!.stop()));
    for (const t of tills) running.splice(running.indexOf(t.proc!), 1);
    server = await startServer(httpPort, smtpPort);
    await relay.flush(smtpPort);
    const again = await cli(['till', 'send', x1.path, '--data', t1.data, '--lan', serverUrl]);
    const redelivered = again.detail?.status === 'already' ? 1 : 0;
    await waitFor('both packages to be taken in', () => withDb(serverData, async (db) => ((await db.selectFrom('packages').select('id').where('status', '=', 'accepted').execute()).length >= 2 ? true : undefined)), 60_000);
    await Promise.all(tills.map(startTill));
    await waitFor(
      'every ticket to be acknowledged',
      async () => {
        const s = await Promise.all(tills.map(tillStatus));
        return s.every((x) => x.counts.acknowledged === x.counts.total) ? true : undefined;
      },
      60_000,
    );
    say('server back: packages taken from the inbox, the mail and an HTTP re-delivery; replication caught up');

    // 6. The nightly run.
    await cli(['server', 'integrate', '--data', serverData, '--until', today]);
    const post = await cli(['server', 'post', '--data', serverData, '--until', today]);
    await cli(['server', 'letter', '--data', serverData]);
    // Money coming back (docs/imports.md): the bank pays the credit sale's invoice, named in the
    // transfer's remittance information; the camt.053 line is matched, booked and lettered.
    const credit = (await documentNumbers(serverData)).find((d) => d.customer === 'C0000004' && d.kind === 'invoice');
    const statement = join(root, 'imports', 'releve-camt053.xml');
    mkdirSync(dirname(statement), { recursive: true });
    writeFileSync(statement, camt053v02('DEMO-1', [{ id: `DEMO-${today}`, iban: 'FR7630006000011234567890189', date: today, entries: [{ amount: '70.00', credit: true, date: today, ref: 'DEMO-0001', txs: [{ amount: '70.00', name: 'CAFE DES ARTS', remittance: `FACTURE ${credit?.number ?? '?'}` }] }] }]));
    const bank = await cli(['server', 'import-bank', statement, '--data', serverData]);
    say(`bank statement imported: ${bank.counts?.import ?? 0} line(s) booked and lettered`);
    const fec = await cli(['server', 'export', '--data', serverData, '--format', 'fec', '--from', today, '--to', today, '--out', exportsDir]);
    const exact = await cli(['server', 'export', '--data', serverData, '--format', 'exact', '--from', today, '--to', today, '--out', exportsDir, '--include-exported']);
    const numbers = [...(await documentNumbers(serverData)).filter((d) => d.kind !== 'delivery-note').map((d) => d.number), ...(await depositInvoiceNumbers(serverData))];
    const pdfs = await cli(['server', 'invoice-pdf', '--data', serverData, '--out', join(exportsDir, 'pdf'), ...numbers]);
    // The reform: business customers' invoices are Factur-X, handed to the platform (a drop folder here); consumers' sales are e-reported.
    const sent = await cli(['server', 'einvoice', 'send', '--data', serverData, '--folder', join(exportsDir, 'pdp')]);
    const ereport = await cli(['server', 'ereport', '--data', serverData, '--period', 'current', '--open', '--out', join(exportsDir, 'ereporting')]);
    say(`e-invoicing: ${pdfs.facturX?.length ?? 0} Factur-X sent to the platform folder (${sent.sent?.length ?? 0}); e-reporting ${ereport.period?.label ?? ''}: ${ereport.transactions ?? 0} consumer transactions, ${ereport.totalExcl ?? '0.00'} excl. VAT`);
    say(`nightly run: ${numbers.length} documents, posting batch ${post.batch ?? post.batchId ?? ''}, FEC ${fec.file ?? ''}, Exact ${exact.file ?? ''}`);

    // The legal FEC of the financial year (A47 A-1: SIRENFECAAAAMMJJ with the closing date, opening entries), beside the day's extract.
    await cli(['server', 'export', '--data', serverData, '--format', 'fec', '--year', today.slice(0, 4), '--out', exportsDir, '--yes']);

    // 7. The cash-register law: every till's archive and the server's month archive, checked as an auditor would.
    await waitFor(
      'closures and journals to reach the server',
      async () => {
        const s = await Promise.all(tills.map(tillStatus));
        return s.every((x) => x.replication?.closures?.pushed >= 2 && x.replication?.journal?.pushed >= 1) ? true : undefined;
      },
      60_000,
    );
    const archives: DemoSummary['archives'] = [];
    const { verifyArchive } = await import('../sync/archive-verify.ts');
    for (const t of tills) {
      const a = await tillApi(t, '/archive', { out: join(root, 'archives') });
      const r = verifyArchive(readFileSync(a.path), a.path);
      archives.push({ file: a.path.slice(root.length + 1), ok: r.ok, checks: r.checks, findings: r.findings.length, key: r.signedBy?.fingerprint ?? '' });
    }
    const month = today.slice(0, 7);
    const sa = await cli(['server', 'archive', '--data', serverData, '--period', 'month', '--month', month, '--out', join(root, 'archives')]);
    const audit = await cli(['audit', 'verify', sa.path]);
    archives.push({ file: sa.path.slice(root.length + 1), ok: audit.ok, checks: audit.checks, findings: audit.findings.length, key: audit.signedBy?.fingerprint ?? '' });
    if (archives.some((a) => !a.ok)) throw new TillsyncError('demo-step', `demo: an archive was refused by audit verify: ${archives.filter((a) => !a.ok).map((a) => a.file).join(', ')}`);
    say(`month closed on both tills; ${archives.length} signed archives accepted by tillsync audit verify (${archives.reduce((n, a) => n + a.checks, 0)} checks)`);

    // Sales from elsewhere (docs/imports.md, seed 004): the shop's FNAC "Ventes terminées" report
    // (a French buyer, a Swiss one: export) becomes invoices in their own chain FM…, with their PDF.
    // After the exports above: the demo's Exact mapping does not know the marketplace accounts.
    const { writeFnacReport, sampleOrders } = await import('../fixtures/marketplace-report.ts');
    const report = join(root, 'imports', `commandes-terminees-${today.slice(8, 10)}-${today.slice(5, 7)}-${today.slice(0, 4)}.xlsx`);
    await writeFnacReport(report, sampleOrders().slice(0, 2), { mergedRow: false, totals: true });
    const marketplace = await cli(['server', 'import-sales', report, '--source', 'fnac', '--data', serverData]);
    const marketplaceInvoices = ((marketplace.invoices ?? []) as { number: string | null }[]).map((i) => i.number).filter((n): n is string => Boolean(n));
    if (marketplaceInvoices.length) await cli(['server', 'invoice-pdf', '--data', serverData, '--out', join(exportsDir, 'pdf'), ...marketplaceInvoices]);
    say(`marketplace report imported: ${marketplaceInvoices.length} invoice(s) ${marketplaceInvoices.join(', ')}`);

    // 8. The summary, from the server's own status and open items.
    const open = await cli(['server', 'open-items', '--data', serverData]);
    const replicationDuplicates = (await Promise.all(tills.map(tillStatus))).reduce((a, x) => a + Number(x.replication?.tickets?.duplicates ?? 0), 0);
    const summary = await summarise(serverData, open);
    summary.imports = { bankLinesLettered: Number(bank.counts?.import ?? 0), marketplaceInvoices };
    summary.packages.duplicate += redelivered;
    summary.duplicatesIgnored += replicationDuplicates + redelivered * Number(x1.count ?? x1.manifest?.count ?? 0);
    return {
      folder: root,
      kept: Boolean(opts.keep),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      sales: { online, degraded },
      ...summary,
      archives,
      files: [...filesUnder(exportsDir), ...filesUnder(outDir)].map((f) => f.slice(root.length + 1)),
    };
  } finally {
    for (const p of running.reverse()) await p.stop().catch(() => undefined);
    await relay.stop().catch(() => undefined);
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  }
}

/** The running till's operator token (DATA/api-token): the demo calls its local API like the CLI does. */
function tillAuth(t: { data: string }): Record<string, string> {
  return { [TOKEN_HEADER]: readApiToken(t.data) ?? '' };
}

/** What the till would charge for these lines, asked to the till itself (prices live in its base data). */
async function dueOf(t: { url: string; data: string }, lines: { article: string; qty: number }[]): Promise<string> {
  let total = 0n;
  for (const l of lines) {
    const r = (await (await fetch(`${t.url}/api/till/articles?q=${encodeURIComponent(l.article)}`, { headers: tillAuth(t) })).json()) as any;
    const a = (r.articles ?? r).find((x: any) => x.code === l.article);
    if (!a) throw new TillsyncError('demo-step', `demo: article ${l.article} not found on the till`);
    const [units, cents = '0'] = String(a.price).split('.');
    total += (BigInt(units) * 100n + BigInt(cents.padEnd(2, '0').slice(0, 2))) * BigInt(l.qty);
  }
  return `${total / 100n}.${String(total % 100n).padStart(2, '0')}`;
}

async function withDb<T>(serverData: string, fn: (db: import('../server/db/database.ts').Db) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('../server/db/database.ts');
  const db = await openDatabase({ data: serverData, migrate: false });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

function documentNumbers(serverData: string): Promise<{ number: string; customer: string; kind: string }[]> {
  return withDb(serverData, (db) => db.selectFrom('documents').select(['number', 'customer', 'kind']).orderBy('id').execute());
}

/** Deposit invoices (FA…) the integration made for business customers' deposits (seed order 10001651). */
function depositInvoiceNumbers(serverData: string): Promise<string[]> {
  return withDb(serverData, async (db) => (await db.selectFrom('deposit_invoices').select('number').orderBy('seq').execute()).map((r) => r.number));
}

async function summarise(serverData: string, open: any): Promise<Omit<DemoSummary, 'folder' | 'kept' | 'seconds' | 'sales' | 'files' | 'archives'>> {
  return withDb(serverData, async (db) => {
    const perChannel = await db.selectFrom('tickets').select(['channel']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('channel').execute();
    const pk = await db.selectFrom('packages').select(['status']).select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('duplicate_count').as('dups')]).groupBy('status').execute();
    const docs = await db.selectFrom('documents').select(['kind']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('kind').execute();
    const entries = await db.selectFrom('entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const dupTickets = pk.reduce((a, r) => a + Number(r.dups ?? 0), 0);
    return {
      ticketsPerChannel: Object.fromEntries(perChannel.map((r) => [r.channel, Number(r.n)])),
      duplicatesIgnored: dupTickets,
      packages: {
        accepted: Number(pk.find((r) => r.status === 'accepted')?.n ?? 0),
        duplicate: Number(pk.find((r) => r.status === 'duplicate')?.n ?? 0),
        quarantined: Number(pk.find((r) => r.status === 'quarantined')?.n ?? 0),
      },
      documents: Object.fromEntries(docs.map((r) => [r.kind, Number(r.n)])),
      entries: Number(entries?.n ?? 0),
      openItems: ((open?.customers ?? []) as any[]).map((c) => ({ customer: `${c.name} (${c.thirdParty})`, amount: c.owed })),
      imports: { bankLinesLettered: 0, marketplaceInvoices: [] },
    };
  });
}

function summaryText(s: DemoSummary): string {
  const kv = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    '',
    `tillsync demo finished in ${s.seconds} s`,
    `  sales: ${s.sales.online} online, ${s.sales.degraded} in degraded mode`,
    `  tickets stored per first channel: ${kv(s.ticketsPerChannel)}`,
    `  packages: ${s.packages.accepted} accepted, ${s.packages.duplicate} delivered twice and ignored, ${s.packages.quarantined} quarantined; ${s.duplicatesIgnored} duplicate tickets ignored`,
    `  documents: ${kv(s.documents)}`,
    `  journal entries: ${s.entries}`,
    `  imports: ${s.imports.bankLinesLettered} bank statement line(s) booked and lettered; ${s.imports.marketplaceInvoices.length} marketplace sale(s) invoiced (${s.imports.marketplaceInvoices.join(', ') || 'none'})`,
    `  open items: ${s.openItems.length ? s.openItems.map((o) => `${o.customer} ${o.amount}`).join(', ') : 'none'}`,
    `  NF525 archives (tillsync audit verify):`,
    ...s.archives.map((a) => `    ${a.ok ? 'ACCEPTED' : 'REFUSED'} ${a.file}  ${a.checks} checks, ${a.findings} findings, key ${a.key}`),
    `  files written:`,
    ...s.files.map((f) => `    ${f}`),
    s.kept ? `  everything is in ${s.folder}` : '  (temporary folder removed; use --keep DIR to keep it)',
  ].join('\n');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole product in one run: a store server and two tills through a network cut, then the nightly run (npm start)')
    .option('--keep <dir>', 'run in this (new or empty) folder and keep it to look at')
    .action(
      run<{ keep?: string }>(async (opts, ctx) => {
        const s = await runDemo({ keep: opts.keep, say: (line) => ctx.say(`• ${line}`) });
        return { data: s, text: summaryText(s) };
      }),
    );
}
