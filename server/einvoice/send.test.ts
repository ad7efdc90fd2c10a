/**
 * Sending Factur-X to the platform and following its lifecycle: the folder adapter (drop folder,
 * statuses back as files), the mail adapter through a real SMTP server on loopback, the HTTP
 * skeleton refusing clearly; a rejected invoice is never sent again nor renumbered.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { insertDocument, simpleTicket } from '../../test/support/ledger-sql-fixture.ts';
import { produceInvoiceFiles } from './produce.ts';
import { FolderPlatform, HttpPlatform, MailPlatform } from './platform.ts';
import { applyStatuses, sendProduced, setStatus } from './send.ts';
import { canMove, statusOf } from './lifecycle.ts';

describe('e-invoice lifecycle', () => {
  it('maps the platform codes and allows only forward moves', () => {
    expect(statusOf('213')).toBe('rejected');
    expect(statusOf('212')).toBe('collected');
    expect(statusOf('deposited')).toBe('deposited');
    expect(statusOf('999')).toBeUndefined();
    expect(canMove('produced', 'sent')).toBe(true);
    expect(canMove('produced', 'deposited')).toBe(false);
    expect(canMove('rejected', 'sent')).toBe(false);
    expect(canMove('sent', 'produced')).toBe(false);
  });
});

for (const engine of TEST_ENGINES) {
  describe(`sending e-invoices on ${engine}`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await openTestDb(engine);
      await saveBaseData(t.db, demoBaseData(5));
      await insertDocument(t.db, { number: 'F00000007', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']], tickets: [simpleTicket(42, 'C0000001', 'Perceuse', '159.90', '133.25', '26.65')] });
      await insertDocument(t.db, { number: 'F00000008', customer: 'C0000002', day: '2026-11-02', vat: [['VN', '20', '11.22', '2.24']], tickets: [simpleTicket(44, 'C0000002', 'Vis inox', '13.46', '11.22', '2.24', 'CRED')] });
      await produceInvoiceFiles(t, ['F00000007', 'F00000008'], join(t.data, 'invoices'));
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('drops the files in the platform folder, applies its statuses, never sends a rejected invoice again', async () => {
      const pdp = join(t.data, 'pdp');
      const folder = new FolderPlatform(pdp);
      const r = await sendProduced(t, folder);
      expect(r).toEqual({ sent: ['F00000007', 'F00000008'], failed: [] });
      expect(readdirSync(join(pdp, 'outbox')).sort()).toEqual(['F00000007.pdf', 'F00000008.pdf']);
      expect((await sendProduced(t, folder)).sent).toEqual([]);

      mkdirSync(join(pdp, 'statuses'), { recursive: true });
      writeFileSync(join(pdp, 'statuses', '1.json'), JSON.stringify({ number: 'F00000007', status: '200' }));
      writeFileSync(join(pdp, 'statuses', '2.json'), JSON.stringify({ number: 'F00000008', status: '213', message: 'BR-FR-12 adresse électronique acheteur absente' }));
      writeFileSync(join(pdp, 'statuses', '3.json'), '{ not json');
      writeFileSync(join(pdp, 'statuses', '4.json'), JSON.stringify({ number: 'F00000007', status: 'collected' }));
      const applied = await applyStatuses(t, 'folder', await folder.poll());
      expect(applied.applied).toEqual([{ number: 'F00000007', status: 'deposited' }, { number: 'F00000008', status: 'rejected' }, { number: 'F00000007', status: 'collected' }]);
      expect(applied.skipped).toHaveLength(1);
      expect(readdirSync(join(pdp, 'statuses', 'bad'))).toEqual(['3.json']);
      expect(readdirSync(join(pdp, 'statuses', 'done')).sort()).toEqual(['1.json', '2.json', '4.json']);

      const rows = await t.db.selectFrom('einvoices').select(['number', 'status', 'message']).orderBy('number').execute();
      expect(rows).toEqual([
        { number: 'F00000007', status: 'collected', message: null },
        { number: 'F00000008', status: 'rejected', message: 'BR-FR-12 adresse électronique acheteur absente' },
      ]);
      // Rejected: kept with its number, never sent again; the operator is told to credit it and invoice anew.
      const again = await sendProduced(t, folder, { numbers: ['F00000008'] });
      expect(again.sent).toEqual([]);
      expect(again.failed[0].error).toMatch(/already rejected.*credit note.*new invoice/);
      await expect(setStatus(t.db, 'F00000008', 'deposited', {})).rejects.toThrow(/cannot go from rejected to deposited/);
      const log = await t.db.selectFrom('log_book').select('message').execute();
      expect(log.some((l) => /F00000008 was rejected: it keeps its number; make a credit note/.test(l.message))).toBe(true);
      const events = await t.db.selectFrom('einvoice_events').select(['status']).where('number', '=', 'F00000007').orderBy('id').execute();
      expect(events.map((e) => e.status)).toEqual(['produced', 'sent', 'deposited', 'collected']);
    });

    it('mails the Factur-X to the platform through a real SMTP server', async () => {
      const received: Buffer[] = [];
      const smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, _s, cb) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            received.push(Buffer.concat(chunks));
            cb();
          });
        },
      });
      await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', () => res()));
      try {
        const port = (smtp.server.address() as AddressInfo).port;
        const r = await sendProduced(t, new MailPlatform({ smtp: `smtp://127.0.0.1:${port}`, to: 'depot@pdp.example' }), { numbers: ['F00000007'] });
        expect(r.sent).toEqual(['F00000007']);
        expect(received).toHaveLength(1);
        const mail = await simpleParser(received[0]);
        expect(mail.subject).toBe('Facture F00000007');
        expect(mail.attachments.map((a) => a.filename)).toEqual(['F00000007.pdf']);
        expect(mail.attachments[0].content.subarray(0, 5).toString()).toBe('%PDF-');
      } finally {
        await new Promise<void>((res) => smtp.close(() => res()));
      }
    });

    it('keeps an invoice produced when the platform cannot take it (HTTP skeleton), and says why', async () => {
      const r = await sendProduced(t, new HttpPlatform({ url: 'https://api.pdp.example/v1', tokenEnv: 'PDP_TOKEN' }));
      expect(r.sent).toEqual([]);
      expect(r.failed.map((f) => f.number)).toEqual(['F00000007', 'F00000008']);
      expect(r.failed[0].error).toMatch(/skeleton/);
      const rows = await t.db.selectFrom('einvoices').select('status').execute();
      expect(rows.every((x) => x.status === 'produced')).toBe(true);
      expect(existsSync(join(t.data, 'invoices', 'F00000007.pdf'))).toBe(true);
    });
  });
}
