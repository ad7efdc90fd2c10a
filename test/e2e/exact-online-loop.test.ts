/**
 * The whole Exact Online loop from the CLI, against the STAND-IN of Exact's REST API
 * (test/support/exact-online-standin.ts; no Exact Online can be reached from here):
 * connect (paste mode) → import accounts and journals → a till's closure pushes the day (customer,
 * sales entry with VAT, Factur-X PDF attached) → server start subscribes webhooks → a payment
 * registered in Exact calls the webhook (signature checked; forged and tampered calls refused) →
 * the invoice is lettered in tillsync. Then a revoked authorisation gives one line and the hint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../support/test-databases.ts';
import { startExactStandin, type ExactStandin } from '../support/exact-online-standin.ts';
import { storeTickets, TicketBook } from '../support/test-tickets.ts';
import { defaultConfig, openServerContext, writeServerConfig } from '../../server/context.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { ensureMapping, loadMapping } from '../../server/accounting/mapping.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { afterClosure } from '../../server/closure-hooks.ts';
import { freePort } from '../../sync/free-port.ts';
import type { Closure } from '../../sync/types.ts';
import { spawnCli } from '../support/cli-harness.ts';
import { cli } from './export-setup.ts';
import { pollUntil, startServerProcess, type ServerProcess } from './intake-fixtures.ts';

const ID = 'tillsync-e2e-app';
const SECRET = 'e2e-client-secret-abcdef';
const WEBHOOK_SECRET = 'e2e-webhook-secret-123456';

function closure(day: string): Closure {
  return { id: 'S1-01-Z000001', store: 'S1', till: '01', seq: 1, closedAt: `${day}T19:05:00+01:00`, day, firstNumber: 1, lastNumber: 2, ticketCount: 2, byVat: [], byMode: [], total: '0.00', grandTotal: '0.00', hash: 'z' };
}

/** `server exact connect --paste`: reads the address on stderr, follows it as the browser would, pastes where Exact sent it back. */
function connectByPaste(data: string, standin: ExactStandin, webhookUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnCli(['server', 'exact', 'connect', '--data', data, '--client-id', ID, '--client-secret', SECRET, '--base-url', standin.url, '--redirect-uri', 'https://boutique.example/exact/callback', '--paste', '--webhook-secret', WEBHOOK_SECRET, '--webhook-url', webhookUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pasted = false;
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', async (c) => {
      stderr += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/api\/oauth2\/auth\?\S+)/.exec(stderr);
      if (!m || pasted) return;
      pasted = true;
      const res = await fetch(m[1], { redirect: 'manual' });
      child.stdin!.end(`${res.headers.get('location')}\n`);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('Exact Online: the whole loop from the CLI (stand-in of Exact)', () => {
  let t: TestDb | null = null;
  let standin: ExactStandin | null = null;
  let server: ServerProcess | null = null;
  afterEach(async () => {
    await server?.stop();
    await standin?.close();
    await t?.cleanup();
    t = standin = server = null;
  });

  it('connect → import → closure → push with PDF → payment in Exact → webhook → lettered', async () => {
    t = await openTestDb('sqlite');
    const port = await freePort();
    writeServerConfig(t.data, { ...defaultConfig(t.data), port, exports: { auto: { format: 'exact-online', withPdf: true } } });
    const base = demoBaseData(20);
    await saveBaseData(t.db, base);
    ensureMapping(t.data);
    const book = new TicketBook(base.articles);
    const [a, b] = base.articles;
    await storeTickets(t.db, [
      // Dupont Bâtiment buys on credit: the invoice stays open until paid (in Exact).
      book.sell({ till: '01', day: '2026-11-02', customer: 'C0000001', lines: [{ article: a.code, qty: '3' }, { article: b.code }], payments: [{ mode: 'CRED' }] }),
      book.sell({ till: '01', day: '2026-11-02', customer: 'COMPTOIR', lines: [{ article: a.code }], payments: [{ mode: 'ESP' }] }),
    ]);
    standin = await startExactStandin({ clientId: ID, clientSecret: SECRET, webhookSecret: WEBHOOK_SECRET, divisions: [{ Code: 123456, Description: 'Boutique Paris' }] });
    const webhookUrl = `http://127.0.0.1:${port}/exact/webhook`;

    // 1. Connect: one division, chosen by itself.
    const conn = await connectByPaste(t.data, standin, webhookUrl);
    expect(conn.stderr).toMatch(/Open this address in a browser/);
    expect(conn.code).toBe(0);
    expect(conn.stdout).toMatch(/connected to Exact Online \(http:\/\/127\.0\.0\.1:\d+\), division 123456 Boutique Paris/);
    const status = await cli(['server', 'exact', 'status', '--data', t.data, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ connected: true, division: 123456, webhookUrl });

    // 2. Accounts (sales only) and journals in; duplicates reported.
    const acc = await cli(['server', 'exact', 'import-accounts', '--data', t.data]);
    expect(acc.code).toBe(0);
    expect(acc.stdout).toMatch(/Exact Online: 5 accounts read/);
    const jr = await cli(['server', 'exact', 'import-journals', '--data', t.data, '--json']);
    expect(JSON.parse(jr.stdout).ignored.map((x: { code: string }) => x.code).sort()).toEqual(['30', '70']);
    expect(loadMapping(t.data).journalList.map((j) => j.code)).toEqual(expect.arrayContaining(['31', '60', '90']));

    // 3. The till closes: the day is posted and pushed (exports.auto names exact-online).
    const ctx = await openServerContext({ data: t.data });
    try {
      expect(await afterClosure(ctx, closure('2026-11-02'))).toBeNull();
      const docs = await ctx.db.selectFrom('documents').select(['number', 'customer']).orderBy('number').execute();
      expect(docs).toHaveLength(2);
      const dupont = docs.find((d) => d.customer === 'C0000001')!.number;
      expect(standin.salesEntries.map((e) => e.YourRef).sort()).toEqual(docs.map((d) => d.number).sort());
      const entry = standin.salesEntries.find((e) => e.YourRef === dupont)!;
      expect(entry.Document).toBeTruthy();
      const pdf = standin.attachments.find((x) => x.Document === entry.Document)!;
      expect(pdf.FileName).toMatch(/\.pdf$/);
      expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
      // Factur-X for the business customer: its CII XML travels inside the PDF.
      expect(pdf.bytes.includes(Buffer.from('factur-x.xml'))).toBe(true);
      expect(standin.accounts.find((x) => x.Code === 'C0000001')).toMatchObject({ Name: 'Dupont Bâtiment', VATNumber: 'FR06901000018' });
      const log = await ctx.db.selectFrom('log_book').select('message').where('channel', '=', 'export').execute();
      expect(log.some((l) => /Exact Online push after closure S1-01-Z000001: .*2 sales entries sent/.test(l.message))).toBe(true);
      // Export-once: a push by hand finds nothing left.
      const again = await cli(['server', 'exact', 'push', '--data', t.data, '--from', '2026-11-02', '--to', '2026-11-02']);
      expect(again.stdout).toMatch(/nothing to send/);
      expect(standin.salesEntries).toHaveLength(2);

      // 4. server start subscribes the webhooks.
      server = await startServerProcess(['--data', t.data, '--port', String(port)]);
      await pollUntil(() => standin!.subscriptions.length === 2, 'webhook subscriptions');
      expect(standin.subscriptions.map((s) => s.Topic).sort()).toEqual(['BankEntries', 'CashEntries']);
      expect(standin.subscriptions.every((s) => s.CallbackURL === webhookUrl)).toBe(true);

      // Forged calls are refused before anything is read: no signature, a wrong secret, a tampered body.
      const content = { Topic: 'BankEntries', ClientId: ID, Division: 123456, Action: 'Update', Key: 'x', ExactOnlineEndpoint: 'x', EventCreatedOn: new Date().toISOString() };
      const post = (body: string) => fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
      expect(await post(JSON.stringify({ Content: content }))).toBe(401);
      expect(await post(standin.signedBody(content, 'not-the-secret'))).toBe(401);
      const good = standin.signedBody(content);
      expect(await post(good.replace('"Division":123456', '"Division":999999'))).toBe(401);

      // 5. A payment registered in Exact: the webhook fires, the server pulls, the invoice is lettered.
      const open = async () => (await ctx.db.selectFrom('entry_lines').select(['lettering_id']).where('letter_key', '=', dupont).where('aux_account', '=', 'C0000001').execute());
      expect((await open()).every((l) => l.lettering_id === null)).toBe(true);
      await standin.registerPayment(dupont);
      expect(standin.deliveries.map((d) => d.status)).toEqual([200]);
      await pollUntil(async () => (await open()).length >= 2 && (await open()).every((l) => l.lettering_id !== null), 'the invoice lettered after the webhook');
      const settled = await ctx.db.selectFrom('settlements').select(['document_number', 'closed_batch']).where('document_number', '=', dupont).where('kind', '=', 'receivable').execute();
      expect(settled.length).toBeGreaterThan(0);
      expect(settled.every((s) => s.closed_batch !== null)).toBe(true);
      // Pulling again by hand changes nothing.
      const pull = await cli(['server', 'exact', 'pull-payments', '--data', t.data, '--json']);
      expect(JSON.parse(pull.stdout).counts).toMatchObject({ lettered: 0, already: 1 });
    } finally {
      await ctx.db.destroy();
    }

    // 6. Revoked in Exact: one line, the connect hint.
    standin.revokeAll();
    standin.expireAccessTokens();
    const revoked = await cli(['server', 'exact', 'pull-payments', '--data', t.data]);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr.trim().split('\n')).toHaveLength(1);
    expect(revoked.stderr).toMatch(/^tillsync: Exact Online refused tillsync's authorisation .*\(connect again: tillsync server exact connect --data /);
  }, 240_000);
});
