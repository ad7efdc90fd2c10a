/**
 * The back office's language over real HTTP (the server's express app on loopback, SQLite):
 * French by default with amounts "60,00 €" and dates dd/mm/yyyy, English when the browser asks
 * for it, the switch's cookie over both, and `next` of the switch kept inside the back office.
 * Batches told as sentences, and Undo offered only where the CLI's own rule accepts it
 * (integration: undo-refusal.ts; posting: postingUndoCheck), with the refusal shown instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { addUser } from './users.ts';
import { at20, openBooks, type Books } from '../../test/support/books.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { postingUndoRefusal } from '../accounting/undo-posting.ts';
import { undoRefusal } from '../integration/undo-refusal.ts';

describe('back office languages and summaries (sqlite)', () => {
  let b: Books;
  let server: Server;
  let base: string;
  let cookie: string;
  const get = async (path: string, headers: Record<string, string> = {}) => (await fetch(`${base}${path}`, { headers: { cookie, ...headers } })).text();

  beforeAll(async () => {
    b = await openBooks('sqlite');
    const config = defaultConfig(b.data);
    writeServerConfig(b.data, config);
    const ctx: ServerContext = { data: b.data, config, db: b.db };
    server = await new Promise<Server>((res) => {
      const s = createApp(ctx, { inbox: config.inbox }).app.listen(0, '127.0.0.1', () => res(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Two integration batches: the first one's documents get posted, the second one's do not.
    await b.sell([
      { day: '2026-11-02', customer: 'C0000001', lines: [at20('50.00')], payments: [{ mode: 'CRED' }] },
      { day: '2026-11-02', customer: 'C0000002', lines: [at20('20.00')], payments: [{ mode: 'CB' }] },
    ]);
    await runPosting(b.db, b.data, { until: '2026-11-02' });
    await b.sell([{ day: '2026-11-03', customer: 'C0000002', lines: [at20('1000.00')], payments: [{ mode: 'CB' }] }]);
    await addUser(b.db, 'admin', 'correct-horse');
    const login = await fetch(`${base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: 'admin', password: 'correct-horse', next: '/bo/' }) });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await b.cleanup();
  });

  it('is French by default: words, amounts and dates', async () => {
    const docs = await get('/bo/documents');
    expect(docs).toContain('<html lang="fr">');
    expect(docs).toContain('<h1>Documents</h1>');
    expect(docs).toContain('Facture');
    // Sold 50.00 and 1000.00 incl. VAT: French grouping and decimal comma, the euro after.
    expect(docs).toContain('50,00\u00a0€');
    expect(docs).toContain('1\u202f000,00\u00a0€');
    expect(docs).toContain('02/11/2026');
    expect(docs).not.toMatch(/2026-11-02<|50\.00/);
  });

  it('tells integration batches as sentences and offers Undo only where `server undo` would accept it', async () => {
    const batches = (await b.rows<{ id: number }>("select id from batches where kind = 'integration' order by id")).map((r) => Number(r.id));
    expect(batches).toHaveLength(2);
    // The rule itself: the posted batch is refused, the later one accepted.
    expect(await undoRefusal(b.db, batches[0])).not.toBeNull();
    expect(await undoRefusal(b.db, batches[1])).toBeNull();
    const page = await get('/bo/control');
    const row = (id: number) => new RegExp(`<tr data-batch="${id}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    expect(row(batches[0])).toMatch(/2 documents de 2 tickets, aucun écarté, en \d+,\d\d s/);
    expect(row(batches[0])).toContain('Annulation impossible');
    expect(row(batches[0])).not.toContain('class="danger"');
    expect(row(batches[1])).toMatch(/1 document de 1 ticket, aucun écarté, en \d+,\d\d s/);
    expect(row(batches[1])).toContain(`action="/bo/batches/${batches[1]}/undo"`);
    expect(page).not.toContain('documents: 2 · ');
  });

  it('offers the posting Undo until an entry is exported, then shows why not (the CLI\'s rule)', async () => {
    const [posting] = (await b.rows<{ id: number }>("select id from batches where kind = 'posting'")).map((r) => Number(r.id));
    const row = async () => new RegExp(`<tr data-batch="${posting}">[\\s\\S]*?</tr>`).exec(await get('/bo/entries'))?.[0] ?? '';
    expect(await row()).toMatch(/\d+ écritures \(\d+ lignes\) pour 2 documents et 2 tickets, rien de laissé de côté, en \d+,\d\d s/);
    expect(await row()).toContain(`action="/bo/posting-batches/${posting}/undo"`);
    await b.db.insertInto('exports').values({ format: 'fec', file: '/x/fec.txt', file_name: 'fec.txt', date_from: '2026-11-01', date_to: '2026-11-30', store: null, trigger: 'manual', include_exported: 0, entry_count: 1, line_count: 2, total_debit: '60.00', total_credit: '60.00', first_entry: null, last_entry: null, sha256: 'x', options: '{}', pdf_count: 0, created_at: new Date().toISOString(), mailed_to: null, mailed_at: null, mail_error: null }).execute();
    const [exp] = await b.rows<{ id: number }>('select id from exports');
    await b.rows(`update entries set export_id = ${Number(exp.id)} where batch_id = ${posting}`);
    const refusal = await postingUndoRefusal(b.db, posting);
    expect(refusal?.message).toMatch(/was exported/);
    expect(await row()).toContain('Annulation impossible');
    expect(await row()).not.toContain('/undo"');
  });

  it('is English when the browser asks for it, and the switch wins over both', async () => {
    const en = await get('/bo/control', { 'accept-language': 'en-US,en;q=0.9' });
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Control grid before integration');
    expect(en).toMatch(/2 documents from 2 tickets, none left out, in \d+\.\d\d s/);
    const sw = await fetch(`${base}/bo/lang?to=en&next=${encodeURIComponent('/bo/documents?kind=invoice')}`, { redirect: 'manual' });
    expect(sw.status).toBe(303);
    expect(sw.headers.get('location')).toBe('/bo/documents?kind=invoice');
    const langCookie = (sw.headers.get('set-cookie') ?? '').split(';')[0];
    expect(langCookie).toBe('tillsync_lang=en');
    const switched = await get('/bo/documents', { cookie: `${cookie}; ${langCookie}`, 'accept-language': 'fr-FR' });
    expect(switched).toContain('<html lang="en">');
    expect(switched).toContain('€1,000.00');
    // The switch goes back only into the back office.
    const away = await fetch(`${base}/bo/lang?to=fr&next=${encodeURIComponent('https://evil.example/')}`, { redirect: 'manual' });
    expect(away.headers.get('location')).toBe('/bo/');
  });

  it('puts the switch on the login page too, before any session', async () => {
    const page = await (await fetch(`${base}/bo/login`)).text();
    expect(page).toContain('<h1>Connexion</h1>');
    expect(page).toMatch(/<a href="\/bo\/lang\?to=en&amp;next=[^"]*login[^"]*"[^>]*>English<\/a>/);
  });
});
