/**
 * `tillsync server set-customer` end to end on both engines, the binary as a child process: two
 * counter tickets set to an account customer, seen in `integrate --preview` (text and --json) and
 * in its --customers filter, integrated into that customer's invoice; refusals as one line and a
 * non-zero exit; --clear, --list; undo keeps the corrections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-harness.ts';
import { TEST_ENGINES } from '../support/test-databases.ts';
import type { Ticket } from '../../sync/types.ts';
import { articleCodes, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';

const D1 = '2026-11-02';

for (const engine of TEST_ENGINES) {
  describe(`server set-customer (${engine})`, () => {
    let s: IntegrationServer;
    let counter: Ticket[];
    let paysInvoice: Ticket;
    const tillsync = (...args: string[]) => runCli(['server', ...args, ...s.flags]);

    beforeAll(async () => {
      s = await openIntegrationServer(engine);
      const A = articleCodes(s.base);
      counter = [0, 1, 2].map((i) => s.book.sell({ day: D1, lines: [{ article: A[i] }] }));
      paysInvoice = s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[0] }], settlements: [{ kind: 'invoice', ref: 'F00000042', amount: '12.00' }] });
      await s.store([...counter, paysInvoice]);
    });
    afterAll(async () => s?.cleanup());

    it('sets two counter tickets to C0000003; the preview and the run make that customer’s invoice; undo keeps it', async () => {
      const set = await runCli(['--json', 'server', 'set-customer', ...s.flags, '--customer', 'C0000003', '--reason', 'forgot his card', counter[0].id, counter[1].id]);
      expect(set.stderr).toBe('');
      expect(set.code).toBe(0);
      expect(set.json).toMatchObject({ customer: 'C0000003', customerName: 'Garage Leroy', unchanged: [], refused: [] });
      expect(set.json.changed.map((c: { ticket: string }) => c.ticket)).toEqual([counter[0].id, counter[1].id]);

      const preview = await tillsync('integrate', '--preview', '--until', D1);
      expect(preview.code).toBe(0);
      const lines = preview.stdout.split('\n');
      const head = lines.findIndex((l) => /^F\d{8} +invoice +C0000003 /.test(l));
      expect(head).toBeGreaterThan(0);
      expect(lines[head]).toContain('2 ticket(s)');
      expect(lines.slice(head, head + 4).join('\n')).toContain('customer set in the back office on ticket(s) 1–2 (sold to COMPTOIR)');
      expect(preview.stdout).toMatch(/^F\d{8} +invoice +COMPTOIR .* 1 ticket\(s\)/m);

      const onlyX = await runCli(['--json', 'server', 'integrate', ...s.flags, '--preview', '--until', D1, '--customers', 'C0000003']);
      expect(onlyX.code).toBe(0);
      expect(onlyX.json.documents.map((d: { customer: string; tickets: string[] }) => [d.customer, d.tickets])).toEqual([['C0000003', [counter[0].id, counter[1].id]]]);
      expect(onlyX.json.overrides.map((o: { ticket: string; soldTo: string }) => [o.ticket, o.soldTo])).toEqual([
        [counter[0].id, 'COMPTOIR'],
        [counter[1].id, 'COMPTOIR'],
      ]);

      const run = await runCli(['--json', 'server', 'integrate', ...s.flags, '--until', D1]);
      expect(run.code).toBe(0);
      const docs = await s.db.selectFrom('documents').select(['number', 'customer', 'ticket_count']).orderBy('number').execute();
      const forX = docs.find((d) => d.customer === 'C0000003')!;
      expect(Number(forX.ticket_count)).toBe(2);
      const placed = new Map((await s.db.selectFrom('tickets').select(['id', 'document_number', 'customer']).execute()).map((r) => [r.id, r]));
      expect(placed.get(counter[0].id)).toEqual({ id: counter[0].id, document_number: forX.number, customer: 'COMPTOIR' });
      expect(placed.get(counter[1].id)!.document_number).toBe(forX.number);
      expect(docs.find((d) => d.number === placed.get(counter[2].id)!.document_number)!.customer).toBe('COMPTOIR');

      const late = await tillsync('set-customer', '--customer', 'C0000001', counter[0].id);
      expect(late.code).toBe(1);
      expect(late.stderr.trim().split('\n')).toEqual([`tillsync: ticket ${counter[0].id} is already integrated (document ${forX.number}, batch ${run.json.batch}): undo batch ${run.json.batch} first to change its customer (nothing was changed)`]);

      const undo = await tillsync('undo', '--batch', String(run.json.batch));
      expect(undo.code).toBe(0);
      const list = await runCli(['--json', 'server', 'set-customer', ...s.flags, '--list', '--pending']);
      expect(list.json.overrides.map((o: { ticket: string; customer: string; reason: string }) => [o.ticket, o.customer, o.reason])).toEqual([
        [counter[0].id, 'C0000003', 'forgot his card'],
        [counter[1].id, 'C0000003', 'forgot his card'],
      ]);
      const text = await tillsync('set-customer', '--list');
      expect(text.stdout).toContain(`${counter[0].id}  ${D1}  sold to COMPTOIR → C0000003`);
    });

    it('refuses with one line and a non-zero exit; applies the rest of a mixed request; clears', async () => {
      const unknown = await tillsync('set-customer', '--customer', 'C9999999', counter[2].id);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe('tillsync: customer C9999999 is not in the base data (give the code of a customer of the base files (publish a new customer with the base files first))');

      const usage = await tillsync('set-customer', counter[2].id);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/^tillsync: say what to do: --customer CODE, --clear or --list \(/);

      const settle = await tillsync('set-customer', '--customer', 'C0000002', paysInvoice.id);
      expect(settle.code).toBe(1);
      expect(settle.stderr.trim()).toBe(`tillsync: ticket ${paysInvoice.id} pays invoice F00000042: an invoice settlement stays with the invoice's customer (nothing was changed)`);

      const mixed = await tillsync('set-customer', '--customer', 'C0000002', `${counter[2].id},S1-09-00000001`);
      expect(mixed.code).toBe(1);
      expect(mixed.stdout).toContain('1 ticket(s) set to C0000002 (Martin & Fils), 1 refused');
      expect(mixed.stdout).toContain('refused: ticket S1-09-00000001 does not exist on this server');

      const clear = await runCli(['--json', 'server', 'set-customer', ...s.flags, '--clear', counter[2].id]);
      expect(clear.code).toBe(0);
      expect(clear.json.changed).toEqual([{ ticket: counter[2].id, from: 'C0000002', to: 'COMPTOIR', cleared: true }]);
      const log = await s.db.selectFrom('log_book').select(['ticket', 'message']).where('ticket', '=', counter[2].id).orderBy('id').execute();
      expect(log.map((l) => l.message)).toEqual([
        expect.stringMatching(new RegExp(`^back-office correction: customer of ticket ${counter[2].id} set to C0000002 \\(Martin & Fils\\), was COMPTOIR, by cli:`)),
        expect.stringMatching(new RegExp(`^back-office correction: ticket ${counter[2].id} goes back to the customer it was sold to, COMPTOIR \\(was C0000002\\), by cli:`)),
      ]);
    });
  });
}
