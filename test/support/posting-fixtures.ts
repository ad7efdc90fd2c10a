/**
 * Literal ledger data for the accounting tests: tickets and documents written in one line each,
 * the store's customers, and the default mapping.
 */
import { D } from '../../sync/money.ts';
import type { Customer } from '../../sync/types.ts';
import type { DocKind, PostingDocument, PostingTicket } from '../../server/accounting/ledger-types.ts';
import { defaultMapping } from '../../server/accounting/default-mapping.ts';
import { customerResolver, type AccountingMapping } from '../../server/accounting/mapping.ts';
import type { PostingOptions } from '../../server/accounting/posting.ts';

export const CUSTOMERS: Customer[] = [
  { code: 'COMPTOIR', name: 'Client comptoir', account: '410000', thirdParty: '0000002', counter: true },
  { code: 'PASSAGE', name: 'Client de passage', account: '410000', thirdParty: '0000002' },
  { code: 'C0000001', name: 'Dupont Bâtiment', account: '411000', thirdParty: 'C0000001' },
  { code: 'C0000002', name: 'Martin & Fils', account: '411000', thirdParty: 'C0000002' },
];

const RATES: Record<string, string> = { VN: '20', VR: '10', VS: '5.5', VP: '2.1' };

export interface TicketSpec {
  till?: string;
  number: number;
  day?: string;
  customer?: string;
  doc?: PostingDocument | null;
  /** "VN 483.60" — VAT code and amount incl VAT, one per line; "VS 3.09 3x1.03" adds quantity × unit price. */
  lines?: string[];
  /** "CB 100.00" or "ACP 100.00 10001651" (deposit voucher naming its order). */
  payments: string[];
  /** "invoice 10001434 100.69" or "deposit 10001651 100.00". */
  settlements?: string[];
}

export function ticket(s: TicketSpec): PostingTicket {
  const till = s.till ?? '01';
  const lines = (s.lines ?? []).map((l) => {
    const [vatCode, inclVat, product] = l.split(' ');
    if (!product) return { vatCode, vatRate: RATES[vatCode] ?? '20', inclVat };
    const [qty, unitPrice] = product.split('x');
    return { vatCode, vatRate: RATES[vatCode] ?? '20', inclVat, qty, unitPrice };
  });
  const goods = lines.reduce((a, l) => a.plus(l.inclVat), new D(0));
  return {
    id: `S1-${till}-${String(s.number).padStart(8, '0')}`,
    store: 'S1',
    till,
    number: s.number,
    day: s.day ?? s.doc?.day ?? '2026-11-02',
    customer: s.customer ?? s.doc?.customer ?? 'COMPTOIR',
    documentId: s.doc ? s.doc.id : null,
    documentNumber: s.doc ? s.doc.number : null,
    lines,
    settlements: (s.settlements ?? []).map((x) => {
      const [kind, ref, amount] = x.split(' ');
      return { kind: kind as 'invoice' | 'deposit', ref, amount };
    }),
    payments: s.payments.map((p) => {
      const [mode, amount, ref] = p.split(' ');
      return ref ? { mode, amount, ref } : { mode, amount };
    }),
    goods: goods.toFixed(),
  };
}

let nextDocId = 1;

export function doc(number: string, total: string, opts: { kind?: DocKind; customer?: string; till?: string; day?: string; tickets?: number } = {}): PostingDocument {
  return {
    id: nextDocId++,
    number,
    kind: opts.kind ?? 'invoice',
    store: 'S1',
    till: opts.till ?? '01',
    customer: opts.customer ?? 'COMPTOIR',
    day: opts.day ?? '2026-11-02',
    totalIncl: total,
    ticketCount: opts.tickets ?? 1,
  };
}

export function options(overrides: Partial<Omit<PostingOptions, 'mapping' | 'customer'>> & { mapping?: AccountingMapping } = {}): PostingOptions {
  const mapping = overrides.mapping ?? defaultMapping();
  return { mapping, customer: customerResolver(mapping, CUSTOMERS), mode: overrides.mode ?? 'direct', grouping: overrides.grouping ?? 'customer' };
}
