/** The back office's E-invoicing page over real HTTP: e-invoice statuses and e-reporting totals per period. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { addUser } from './users.ts';

for (const engine of TEST_ENGINES) {
  describe(`E-invoicing page on ${engine}`, () => {
    let t: TestDb;
    let server: Server;
    let base = '';
    beforeAll(async () => {
      t = await openTestDb(engine);
      const config = { ...defaultConfig(t.data), db: t.url };
      writeServerConfig(t.data, config);
      const ctx: ServerContext = { data: t.data, config, db: t.db };
      server = await new Promise<Server>((res) => {
        const s = createApp(ctx, { inbox: config.inbox }).app.listen(0, '127.0.0.1', () => res(s));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await addUser(t.db, 'admin', 'correct-horse');
      const row = (number: string, status: string, message: string | null) => ({ number, customer: 'C0000001', type_code: '380', issue_date: '2026-11-02', total_incl: '159.90', file: `/x/${number}.pdf`, pdf_sha256: 'a', xml_sha256: 'b', status, status_at: '2026-11-03T08:00:00.000Z', channel: 'folder', platform_ref: null, message, created_at: '2026-11-02T22:00:00.000Z' });
      await t.db.insertInto('einvoices').values([row('F00000007', 'collected', null), row('F00000008', 'rejected', '<b>BR-FR-12</b>')]).execute();
      await t.db.insertInto('ereports').values({ period_from: '2026-11-01', period_to: '2026-11-10', file: '/x/ER10.xml', file_name: 'ER10_552100554_20261101_20261110.xml', sha256: 'c', totals: JSON.stringify({ tieOut: { ledgerSales: '714.14', b2bExcl: '311.14' } }), transaction_count: 12, total_excl: '403.00', total_vat: '80.60', trigger: 'manual', created_at: '2026-11-11T01:00:00.000Z', reset_at: null }).execute();
    });
    afterAll(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await t.cleanup();
    });

    it('shows each e-invoice status and the e-reporting totals tied to the books', async () => {
      const login = await fetch(`${base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: 'admin', password: 'correct-horse', next: '/bo/einvoicing' }) });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const res = await fetch(`${base}/bo/einvoicing`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/data-einvoice="F00000007" data-status="collected"[\s\S]*?encaissée/);
      expect(text).toMatch(/data-einvoice="F00000008" data-status="rejected"[\s\S]*?rejetée[\s\S]*?&lt;b&gt;BR-FR-12&lt;\/b&gt;[\s\S]*?avoir \+ nouvelle facture/);
      // French by default: dd/mm/yyyy, 403,00 € (narrow no-break space before the euro sign).
      expect(text).toMatch(/data-ereport="1"[\s\S]*?01\/11\/2026 → 10\/11\/2026[\s\S]*?12[\s\S]*?403,00\u00a0€[\s\S]*?80,60\u00a0€[\s\S]*?714,14\u00a0€[\s\S]*?311,14\u00a0€/);
      expect(text).toContain('<html lang="fr">');
      expect(text).toContain('href="/bo/einvoicing" class="active" aria-current="page">Facturation électronique');
    });
  });
}
