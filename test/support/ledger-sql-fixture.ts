/**
 * For tests: writes a literal ledger (sample-ledger.ts) into the entries / entry_lines /
 * letterings tables the way posting does, and documents with their tickets for invoice PDFs.
 * Used until then and beside the real posting: it lets the export store tests pin exact data.
 */
import type { Db } from '../../server/db/database.ts';
import type { LedgerEntry } from '../../server/exports/ledger-model.ts';
import type { Ticket } from '../../sync/types.ts';

/** The fixture's customer lines carry no lettering key; posting gives them their invoice number. */
export async function keyCustomerLinesByInvoice(db: Db): Promise<void> {
  await db.updateTable('entry_lines').set((eb) => ({ letter_key: eb.ref('document_number') })).where('account', 'like', '41%').execute();
}

export async function insertLedger(db: Db, entries: LedgerEntry[], batchId = 1): Promise<number[]> {
  const letterings = new Map<string, number>();
  const ids: number[] = [];
  for (const e of entries) {
    const row = await db
      .insertInto('entries')
      .values({ batch_id: batchId, journal: e.journal, entry_date: e.date, piece: e.piece, label: e.label, kind: e.kind, validated_at: e.validatedAt, export_id: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
    let n = 0;
    for (const l of e.lines) {
      let letteringId: number | null = null;
      if (l.letterCode) {
        const key = `${l.account}/${l.auxAccount}/${l.letterCode}`;
        letteringId = letterings.get(key) ?? null;
        if (letteringId === null) {
          const g = await db
            .insertInto('letterings')
            .values({ account: l.account, aux_account: l.auxAccount, code: l.letterCode, lettered_at: `${l.letterDate}T03:00:00.000Z`, partial: 0, batch_id: batchId })
            .returning('id')
            .executeTakeFirstOrThrow();
          letteringId = g.id;
          letterings.set(key, letteringId);
        }
      }
      await db
        .insertInto('entry_lines')
        .values({ entry_id: row.id, line_no: ++n, account: l.account, aux_account: l.auxAccount, aux_label: l.auxLabel, label: l.label, debit: l.debit, credit: l.credit, vat_code: l.vatCode, document_number: l.documentNumber, lettering_id: letteringId })
        .execute();
    }
  }
  return ids;
}

export interface DocumentSpec {
  number: string;
  kind?: string;
  store?: string;
  till?: string;
  customer: string;
  day: string;
  /** VAT lines: code, rate, base, vat (incl = base + vat). */
  vat: [string, string, string, string][];
  tickets?: Ticket[];
}

export async function insertDocument(db: Db, d: DocumentSpec, batchId = 1): Promise<number> {
  const sum = (i: 2 | 3) => d.vat.reduce((a, v) => a + Math.round(Number(v[i]) * 100), 0);
  const excl = sum(2);
  const vat = sum(3);
  const seq = Number(d.number.replace(/\D/g, '')) || 1;
  const row = await db
    .insertInto('documents')
    .values({
      number: d.number, series: d.kind ?? 'invoice', seq, kind: d.kind ?? 'invoice', store: d.store ?? 'S1', till: d.till ?? '01', customer: d.customer, day: d.day,
      total_incl: ((excl + vat) / 100).toFixed(2), total_excl: (excl / 100).toFixed(2), total_vat: (vat / 100).toFixed(2),
      ticket_count: d.tickets?.length ?? 0, first_ticket: d.tickets?.[0]?.number ?? 0, last_ticket: d.tickets?.at(-1)?.number ?? 0, batch_id: batchId, posting_batch: 1, created_at: `${d.day}T22:00:00.000Z`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [code, rate, base, v] of d.vat) {
    await db.insertInto('document_vat').values({ document_id: row.id, vat_code: code, rate, base, vat: v, incl: ((Math.round(Number(base) * 100) + Math.round(Number(v) * 100)) / 100).toFixed(2) }).execute();
  }
  for (const t of d.tickets ?? []) {
    await db
      .insertInto('tickets')
      .values({
        id: t.id, store: t.store, till: t.till, number: t.number, day: t.day, sold_at: t.soldAt, customer: t.customer, total_incl: t.totals.inclVat, total_due: t.totals.due, hash: t.hash, prev_hash: t.prevHash,
        degraded: t.degraded ? 1 : 0, content: JSON.stringify(t), channel: 'lan', package_id: null, received_at: t.soldAt, status: 'received', status_reason: null, document_id: row.id, document_number: d.number, integration_batch: batchId, updated_at: t.soldAt,
      })
      .execute();
  }
  return row.id;
}

/** A one-line ticket, enough for an invoice PDF. */
export function simpleTicket(number: number, customer: string, label: string, incl: string, excl: string, vat: string, mode = 'CB', day = '2026-11-02'): Ticket {
  const id = `S1-01-${String(number).padStart(8, '0')}`;
  return {
    id, store: 'S1', till: '01', number, soldAt: `${day}T10:${String(number % 60).padStart(2, '0')}:00+01:00`, day, customer,
    lines: [{ article: 'A1', label, qty: '1', unitPrice: incl, vatCode: 'VN', vatRate: '20', inclVat: incl, exclVat: excl, vat }],
    settlements: [], payments: [{ mode, amount: incl }],
    totals: { inclVat: incl, exclVat: excl, vat, byVat: [{ vatCode: 'VN', rate: '20', base: excl, vat, inclVat: incl }], due: incl },
    degraded: false, rounding: { decimals: 2, vatOn: 'line' }, prevHash: 'p', hash: `h${number}`,
  };
}
