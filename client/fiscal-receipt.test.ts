/**
 * Receipts with every mention (text, HTML, PDF read back with poppler's pdftotext, and the digital
 * receipt through a real SMTP server on loopback), counted duplicates, cancellation by a negative
 * ticket, and training mode proven never to reach the books: the till's tickets go through a real
 * package, intake and integration on a real database, and no training sale comes out.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { demoBaseData } from '../fixtures/store.ts';
import { D, fmt, sum } from '../sync/money.ts';
import { openTestDb, type TestDb } from '../test/support/test-databases.ts';
import { saveBaseData } from '../server/base-data.ts';
import { enrollTill } from '../server/intake/till-registry.ts';
import { intakeTickets } from '../server/intake/intake.ts';
import { runIntegration } from '../server/integration/integrate.ts';
import { cancelTicket } from './cancel-ticket.ts';
import { mailReceipt, receiptFor } from './receipt-service.ts';
import { setTraining } from './training.ts';
import { cashSale, openTestTill, type TestTill } from '../test/support/test-till.ts';

const tills: TestTill[] = [];
let db: TestDb | null = null;
afterEach(async () => {
  while (tills.length) await tills.pop()!.close();
  await db?.cleanup();
  db = null;
});
async function till(): Promise<TestTill> {
  const t = await openTestTill({ disk: true });
  tills.push(t);
  return t;
}

describe('receipts', () => {
  it('carry every mention in text, HTML and PDF; a reprint is a counted, journalled DUPLICATA', async () => {
    const { svc, dir } = await till();
    const t = await cashSale(svc, 2, 'A000002');
    const c = svc.store.base.company as { name: string; siren: string; siret?: string; vatNumber: string };
    const text = String((await receiptFor(svc, t.id, { format: 'text' })).body);
    const v = t.totals.byVat[0];
    const fr = (x: string) => x.replace('.', ',');
    for (const mention of [c.name, c.siret ? `SIRET ${c.siret}` : `SIREN ${c.siren}`, `N° TVA ${c.vatNumber}`, `Ticket n° ${t.number}`, 'Caisse S1-01', t.soldAt.slice(11, 19), `${t.soldAt.slice(8, 10)}/${t.soldAt.slice(5, 7)}/${t.soldAt.slice(0, 4)}`, `${v.vatCode} ${v.rate}%`, fr(v.base), fr(v.vat), fr(t.totals.due), 'Règlement', `Signature ${t.hash.slice(0, 4)}…${t.hash.slice(-4)}`, 'Logiciel tillsync ']) {
      expect(text, mention).toContain(mention);
    }
    expect(text).not.toContain('DUPLICATA');
    const html = String((await receiptFor(svc, t.id, { format: 'html' })).body);
    expect(html).toContain(`Ticket n° ${t.number}`);
    expect(html).toContain('lang="fr"');

    const dup = await receiptFor(svc, t.id, { format: 'pdf', reprint: true });
    expect(dup.duplicate).toBe(1);
    writeFileSync(`${dir}/r.pdf`, dup.body as Buffer);
    const pdfText = execFileSync('pdftotext', ['-layout', `${dir}/r.pdf`, '-'], { encoding: 'utf8' });
    expect(pdfText).toContain('DUPLICATA n° 1');
    expect(pdfText).toContain(`Ticket n° ${t.number}`);
    expect(pdfText).toContain(c.name);
    expect((await receiptFor(svc, t.id, { reprint: true })).duplicate).toBe(2);
    await svc.journal.idle();
    expect((await svc.store.journal()).filter((e) => e.type === 'reprint').map((e) => e.data.count)).toEqual([1, 2]);
  });

  it('the digital receipt goes by mail (real SMTP on loopback) with the PDF attached', async () => {
    const { svc } = await till();
    const t = await cashSale(svc);
    const got: ParsedMail[] = [];
    const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], onData: (s, _x, cb) => void simpleParser(s).then((m) => got.push(m)).then(() => cb(), cb) });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    try {
      const port = (smtp.server.address() as AddressInfo).port;
      await mailReceipt(svc, t.id, 'client@example.org', `smtp://127.0.0.1:${port}`);
      expect(got).toHaveLength(1);
      expect(got[0].subject).toContain(t.id);
      expect(got[0].text).toContain(`Ticket n° ${t.number}`);
      expect(got[0].attachments.map((a) => [a.filename, a.contentType])).toEqual([[`ticket-${t.id}.pdf`, 'application/pdf']]);
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });
});

describe('cancellation', () => {
  it('is a new negative ticket referencing the cancelled one, journalled; the pair nets to zero; never twice', async () => {
    const { svc } = await till();
    const t = await cashSale(svc, 2, 'A000001');
    const c = await cancelTicket(svc, t.id, 'Bob');
    expect([c.number, c.cancels, c.totals.inclVat]).toEqual([2, t.id, `-${t.totals.inclVat}`]);
    expect(await svc.store.ticket(1)).toEqual(expect.objectContaining({ hash: t.hash }));
    const again = await cancelTicket(svc, t.id).then(() => null, (e) => e);
    expect(again?.code).toBe('already-cancelled');
    const z = await svc.close();
    expect(z.total).toBe('0.00');
    expect(z.totalAbs).toBe(fmt(new D(t.totals.inclVat).times(2)));
    const receipt = String((await receiptFor(svc, c.id)).body);
    expect(receipt).toContain(`ANNULATION du ticket ${t.id}`);
    expect((await svc.store.journal()).map((e) => e.type)).toContain('ticket-cancelled');
  });
});

describe('training mode', () => {
  it('is marked on the receipt and never reaches the books: package → intake → integration hold only real sales', async () => {
    const { svc, dir } = await till();
    const real1 = await cashSale(svc, 1, 'A000001');
    await setTraining(svc, true);
    const tr = await cashSale(svc, 5, 'A000003');
    const trReceipt = String((await receiptFor(svc, tr.id)).body);
    expect(trReceipt).toContain('MODE FORMATION');
    expect(trReceipt).toContain('TICKET SANS VALEUR');
    await setTraining(svc, false);
    const real2 = await cashSale(svc, 2, 'A000002');

    // The package of untransferred tickets holds the two real sales only.
    const x = await svc.extract({ kind: 'untransferred', out: `${dir}/out` });
    expect([x.count, x.firstNumber, x.lastNumber]).toEqual([2, 1, 2]);
    db = await openTestDb('sqlite');
    await enrollTill(db.db, { store: 'S1', till: '01', data: db.data });
    await saveBaseData(db.db, demoBaseData(50));
    const stored = await svc.store.ticketsFrom(1);
    expect(stored.map((t) => t.id)).toEqual([real1.id, real2.id]);
    // Intake refuses a training ticket even if one were sent.
    const res = await intakeTickets({ db: db.db, data: db.data }, { channel: 'lan', tickets: [...stored, tr] });
    expect(res.accepted).toEqual([real1.id, real2.id]);
    expect(res.rejected).toEqual([{ id: tr.id, reason: expect.stringContaining('training ticket') }]);
    const day = real1.day;
    const run = await runIntegration(db.db, db.data, { until: day }, { checks: 'inline' });
    expect(run.errorCount).toBe(0);
    const integrated = await db.db.selectFrom('tickets').select(['id', 'document_id']).orderBy('id').execute();
    expect(integrated.map((r) => r.id)).toEqual([real1.id, real2.id]);
    expect(integrated.every((r) => r.document_id !== null)).toBe(true);
    const docs = await db.db.selectFrom('documents').select(['total_incl']).execute();
    expect(fmt(sum(docs.map((d) => d.total_incl)))).toBe(fmt(sum([real1.totals.inclVat, real2.totals.inclVat])));
  });
});
