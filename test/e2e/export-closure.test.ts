/**
 * Automatic export at a till's closure (seed 000, "Export & envoi par mail"): the closure hook
 * writes the day's FEC into the configured folder and mails it, as an attachment, through a real
 * SMTP server on loopback; a failed mail leaves the file, records the error and can be sent again;
 * the nightly step exports what is left.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { TEST_ENGINES, type TestDb } from '../support/test-databases.ts';
import { openServerContext, type ServerContext } from '../../server/context.ts';
import { afterClosure } from '../../server/closure-hooks.ts';
import { dayNeedsPosting } from '../../server/exports/auto-export.ts';
import { exportNightlyStep } from '../../server/exports/nightly-step.ts';
import { mailExport } from '../../server/exports/export-mail.ts';
import { checkFec } from '../support/fec-checker.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { insertDocument, simpleTicket } from '../support/ledger-sql-fixture.ts';
import type { Closure } from '../../sync/types.ts';
import { exportServer } from './export-setup.ts';
import { openTestDb } from '../support/test-databases.ts';
import { defaultConfig, writeServerConfig } from '../../server/context.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { ensureMapping } from '../../server/accounting/mapping.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { storeTickets, TicketBook } from '../support/test-tickets.ts';
import { freePort } from '../../sync/free-port.ts';

class MailSink {
  readonly messages: { to: string[]; mail: ParsedMail }[] = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((mail) => {
          this.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  port = 0;
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function closure(till: string, day: string, seq = 1): Closure {
  return { id: `S1-${till}-Z${String(seq).padStart(6, '0')}`, store: 'S1', till, seq, closedAt: `${day}T19:05:00+01:00`, day, firstNumber: 1, lastNumber: 9, ticketCount: 9, byVat: [], byMode: [], total: '0.00', grandTotal: '0.00', hash: 'z' };
}

for (const engine of TEST_ENGINES) {
  describe(`automatic export on ${engine}`, () => {
    let t: TestDb | null = null;
    let ctx: ServerContext | null = null;
    let sink: MailSink | null = null;
    afterEach(async () => {
      await ctx?.db.destroy();
      await sink?.stop();
      await t?.cleanup();
      t = ctx = sink = null;
    });

    it('exports the closed day into the configured folder and mails the file as an attachment', async () => {
      sink = await new MailSink().start();
      t = await exportServer(engine, { exports: { auto: { format: 'fec', out: 'exports/auto', mailTo: ['compta@cabinet.test'], mailFrom: 'caisse@boutique.test', smtp: `smtp://127.0.0.1:${sink.port}` } } });
      ctx = await openServerContext({ data: t.data });
      const r = await afterClosure(ctx, closure('01', '2026-11-02'));
      expect(r?.outcome.status).toBe('written');
      const file = join(t.data, 'exports', 'auto', '552100554FEC-extrait-20261102.txt');
      expect(r?.outcome.file).toBe(file);
      // Only the closed day: the 2026-11-03 invoice waits for its own closure.
      const check = checkFec(decodeLatin9(readFileSync(file)));
      expect(check.errors).toEqual([]);
      expect(check.entryCount).toBe(5);
      expect(new Set(check.records.map((x) => x.EcritureDate))).toEqual(new Set(['20261102']));
      expect(r?.mailed).toEqual(['compta@cabinet.test']);
      expect(sink.messages).toHaveLength(1);
      const { to, mail } = sink.messages[0];
      expect(to).toEqual(['compta@cabinet.test']);
      expect(mail.subject).toBe('Export comptable FEC 2026-11-02');
      expect(mail.attachments.map((a) => a.filename)).toEqual(['552100554FEC-extrait-20261102.txt']);
      expect(mail.attachments[0].content.equals(readFileSync(file))).toBe(true);
      const rec = await ctx.db.selectFrom('exports').selectAll().where('id', '=', r!.outcome.exportId!).executeTakeFirstOrThrow();
      expect(rec).toMatchObject({ trigger: 'closure', store: null, mailed_to: 'compta@cabinet.test', mail_error: null });

      // The second till closes the same day: nothing new, no file, no mail, a line in the log book.
      const again = await afterClosure(ctx, closure('02', '2026-11-02'));
      expect(again?.outcome.status).toBe('empty');
      expect(sink.messages).toHaveLength(1);
      const info = await ctx.db.selectFrom('log_book').select('message').where('channel', '=', 'export').execute();
      expect(info.some((l) => /automatic export after closure S1-02-Z000001: nothing new to export/.test(l.message))).toBe(true);
    });

    it('integrates and posts the closed till\'s day first when it is not yet, then exports it', async () => {
      t = await openTestDb(engine);
      writeServerConfig(t.data, { ...defaultConfig(t.data), ...(t.url ? { db: t.url } : {}), exports: { auto: { format: 'fec' } } });
      const base = demoBaseData(20);
      await saveBaseData(t.db, base);
      ensureMapping(t.data);
      const book = new TicketBook(base.articles);
      const [a, b] = base.articles;
      await storeTickets(t.db, [
        book.sell({ till: '01', day: '2026-11-02', customer: 'COMPTOIR', lines: [{ article: a.code, qty: '2' }], payments: [{ mode: 'ESP' }] }),
        book.sell({ till: '01', day: '2026-11-02', customer: 'C0000001', lines: [{ article: b.code }], payments: [{ mode: 'CB' }] }),
        // Till 02 is still selling that day: its tickets wait for its own closure.
        book.sell({ till: '02', day: '2026-11-02', customer: 'COMPTOIR', lines: [{ article: a.code }], payments: [{ mode: 'ESP' }] }),
      ]);
      ctx = await openServerContext({ data: t.data });
      expect(await dayNeedsPosting(ctx.db, closure('01', '2026-11-02'))).toBe(true);
      const r = await afterClosure(ctx, closure('01', '2026-11-02'));
      expect(r?.outcome.status).toBe('written');
      const check = checkFec(decodeLatin9(readFileSync(r!.outcome.file!)));
      expect(check.errors).toEqual([]);
      const docs = await ctx.db.selectFrom('documents').select(['number', 'till']).execute();
      expect(docs.map((d) => d.till)).toEqual(['01', '01']);
      expect(new Set(check.records.map((x) => x.PieceRef))).toEqual(new Set(docs.map((d) => d.number)));
      expect(await dayNeedsPosting(ctx.db, closure('01', '2026-11-02'))).toBe(false);
      const pending = await ctx.db.selectFrom('tickets').select('id').where('document_id', 'is', null).execute();
      expect(pending.map((p) => p.id)).toEqual(['S1-02-00000001']);
    });

    it('with perStore, exports only the entries of the closing store', async () => {
      t = await exportServer(engine, { exports: { auto: { format: 'csv', perStore: true } } });
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']] });
      await insertDocument(t.db, { number: '10001434', store: 'S2', customer: 'COMPTOIR', day: '2026-11-02', vat: [['VN', '20', '403.00', '80.60']] });
      ctx = await openServerContext({ data: t.data });
      const s2 = await afterClosure(ctx, { ...closure('01', '2026-11-02'), store: 'S2', id: 'S2-01-Z000001' });
      expect(s2?.outcome).toMatchObject({ status: 'written', store: 'S2', entryCount: 2 });
      const s1 = await afterClosure(ctx, closure('01', '2026-11-02'));
      expect(s1?.outcome).toMatchObject({ status: 'written', store: 'S1', entryCount: 2 });
      expect(s1?.outcome.file).toMatch(/ecritures-20261102-2\.csv$/);
    });

    it('keeps the file when the mail fails, records the error, and sends it again on demand', async () => {
      const port = await freePort();
      t = await exportServer(engine, { exports: { auto: { format: 'csv', mailTo: 'compta@cabinet.test', smtp: `smtp://127.0.0.1:${port}` } } });
      ctx = await openServerContext({ data: t.data });
      const r = await afterClosure(ctx, closure('01', '2026-11-03'));
      expect(r?.outcome.status).toBe('written');
      expect(r?.mailed).toBeNull();
      expect(r?.mailError).toMatch(/cannot mail export #\d+/);
      const rec = await ctx.db.selectFrom('exports').selectAll().executeTakeFirstOrThrow();
      expect(rec.mail_error).toBeTruthy();
      expect(rec.mailed_at).toBeNull();
      const errors = await ctx.db.selectFrom('log_book').select('message').where('severity', '=', 'error').execute();
      expect(errors.some((e) => /export-mail --id/.test(e.message))).toBe(true);

      sink = await new MailSink().start(port);
      await mailExport(ctx, rec.id, { smtp: `smtp://127.0.0.1:${port}`, to: ['compta@cabinet.test'] });
      expect(sink.messages[0].mail.attachments[0].filename).toBe('ecritures-20261103.csv');
      const after = await ctx.db.selectFrom('exports').selectAll().executeTakeFirstOrThrow();
      expect(after.mail_error).toBeNull();
      expect(after.mailed_to).toBe('compta@cabinet.test');
    });

    it('does nothing without exports.auto, and knows when the day still needs posting', async () => {
      t = await exportServer(engine);
      ctx = await openServerContext({ data: t.data });
      expect(await afterClosure(ctx, closure('01', '2026-11-02'))).toBeNull();
      expect(await ctx.db.selectFrom('exports').selectAll().execute()).toEqual([]);
      expect(await dayNeedsPosting(ctx.db, closure('01', '2026-11-05'))).toBe(false);
      await insertDocument(ctx.db, { number: '10001600', customer: 'COMPTOIR', day: '2026-11-05', vat: [['VN', '20', '1.00', '0.20']], tickets: [simpleTicket(60, 'COMPTOIR', 'x', '1.20', '1.00', '0.20', 'ESP', '2026-11-05')] });
      await ctx.db.updateTable('documents').set({ posting_batch: null }).where('number', '=', '10001600').execute();
      expect(await dayNeedsPosting(ctx.db, closure('01', '2026-11-05'))).toBe(true);
      expect(await dayNeedsPosting(ctx.db, closure('02', '2026-11-05'))).toBe(false);
    });

    it('the nightly step exports everything not yet exported up to its day', async () => {
      t = await exportServer(engine, { exports: { nightly: { format: 'fec', separator: 'pipe' } } });
      ctx = await openServerContext({ data: t.data });
      const skipped = await exportNightlyStep(ctx, { until: '2026-11-03', trigger: 'closure' });
      expect(skipped.summary).toMatchObject({ skipped: expect.stringMatching(/closure/) });
      const r = await exportNightlyStep(ctx, { until: '2026-11-03' });
      expect(r.summary).toMatchObject({ status: 'written', entries: 6 });
      const file = (r.summary as { file: string }).file;
      expect(file).toBe(join(t.data, 'exports', '552100554FEC-extrait-20261102-20261103.txt'));
      expect(checkFec(decodeLatin9(readFileSync(file))).separator).toBe('|');
      const again = await exportNightlyStep(ctx, { until: '2026-11-03' });
      expect(again.summary).toMatchObject({ status: 'empty' });
    });
  });
}
