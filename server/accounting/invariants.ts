/**
 * The tie-out checks, the last pass of every posting and lettering run (beancount-style): they
 * recompute what the books must say from the source data, independently of the posting code, and
 * compare. A broken invariant fails the run and rolls it back; the figures are printed every run.
 *
 *  - every entry balances (Σ debit = Σ credit);
 *  - Σ ticket goods = Σ document totals = Σ customer debits of the sales entries;
 *  - VAT per code = Σ line VAT recomputed under the rounding rules (+ differences put on the tax);
 *    the same for net amounts per code (+ differences put on the first line);
 *  - money received = Σ movements on the treasury accounts;
 *  - every fully lettered group sums to zero; partial groups are flagged partial.
 *
 * The validate pass of the books pipeline (server/books/pass.ts): the ledger takes in each chunk's
 * figures as the run goes, `validate()` judges them: the figures of every check as its result, a
 * broken check as an error naming it (ref.check).
 */
import { D, fmt, splitInclusive, type Decimals } from '../../sync/money.ts';
import type { BooksRounding } from './product-rounding.ts';
import { productsSplit } from './sales-split.ts';
import { splitIncl, units } from '../books/checks/amounts.ts';
import { addUnits, roundUnits, toUnits, unitsDec, unitsOf, unitsText, type Units } from './units.ts';
import type { EntryDraft, PostingDocument, PostingTicket, RoundingAdjustment } from './ledger-types.ts';
import type { AccountingMapping } from './mapping.ts';
import type { LetteringPlan } from './lettering.ts';
import type { PassResult } from '../books/pass.ts';

/** What one check found: its figures, or what does not hold. */
export interface InvariantFigure {
  name: string;
  detail: string;
}

/** The check `server letter` and the imports run: they post no sales. */
export const LETTERING_CHECK = 'lettered groups sum to zero';

const add = (m: Map<string, Units>, k: string, v: Units) => m.set(k, addUnits(m.get(k) ?? 0, v));

/** Accumulates over the chunks of one run, then judges. */
export class InvariantLedger {
  private entries = 0;
  private unbalanced: string[] = [];
  // In units of 10^-4 (units.ts): exact integers; the VAT divisions by the books checks' own split (lineSplit).
  private ticketGoods: Units = 0;
  private docTotals: Units = 0;
  private docRounded: Units = 0;
  private customerDebits: Units = 0;
  private docMismatch: string[] = [];
  private expectedVat = new Map<string, Units>();
  private postedVat = new Map<string, Units>();
  private expectedNet = new Map<string, Units>();
  private postedNet = new Map<string, Units>();
  private badAdjustments: string[] = [];
  private moneyIn: Units = 0;
  private treasuryMoves: Units = 0;
  private lettered = 0;
  private partial = 0;
  private badGroups: string[] = [];
  private readonly d: Decimals;
  private readonly rules: BooksRounding;
  private readonly splits = new Map<string, { net: Units; vat: Units }>();

  constructor(private readonly m: AccountingMapping) {
    this.rules = m.rounding;
    this.d = m.rounding.decimals;
  }

  /** One chunk: the documents posted, their tickets and paymentOnly tickets, and the entries produced. */
  addPosting(docs: PostingDocument[], tickets: PostingTicket[], looseTicketIds: Set<string>, entries: EntryDraft[], adjustments: RoundingAdjustment[]): void {
    const m = this.m;
    const d = this.d;
    const posted = new Map<number, PostingDocument>();
    for (const doc of docs) if (doc.kind !== 'delivery-note' || m.posting.deliveryNotes === 'post') posted.set(doc.id, doc);
    const handled = new Set(docs.map((x) => x.id));
    const goodsByDoc = new Map<number, Units>();
    const linesByDoc = new Map<number, PostingTicket['lines'][]>();
    const moneyModes = new Set(Object.entries(m.paymentModes).filter(([, p]) => !p.credit && !p.depositVoucher).map(([c]) => c));
    for (const t of tickets) {
      const counts = t.documentId !== null ? handled.has(t.documentId) : looseTicketIds.has(t.id);
      if (counts) for (const p of t.payments) if (moneyModes.has(p.mode)) this.moneyIn = addUnits(this.moneyIn, toUnits(p.amount) ?? unitsOf(new D(p.amount)));
      if (t.documentId === null || !posted.has(t.documentId)) continue;
      goodsByDoc.set(t.documentId, addUnits(goodsByDoc.get(t.documentId) ?? 0, toUnits(t.goods) ?? unitsOf(new D(t.goods))));
      const l = linesByDoc.get(t.documentId);
      if (l) l.push(t.lines);
      else linesByDoc.set(t.documentId, [t.lines]);
    }
    const expectCustomer = new Map<string, Units>();
    for (const doc of posted.values()) {
      const stored = toUnits(doc.totalIncl) ?? unitsOf(new D(doc.totalIncl));
      // Credit notes may be stored positive: the sign comes from the kind.
      const total = doc.kind === 'credit-note' && stored > 0 ? -stored : stored;
      const rounded = roundUnits(total, d);
      this.docTotals = addUnits(this.docTotals, total);
      this.docRounded = addUnits(this.docRounded, rounded);
      this.ticketGoods = addUnits(this.ticketGoods, goodsByDoc.get(doc.id) ?? 0);
      expectCustomer.set(doc.number, rounded);
      // Independent recomputation of net and VAT per code from the ticket lines.
      const byCode = new Map<string, { rate: string; incl: string[]; lines: PostingTicket['lines'] }>();
      for (const ls of linesByDoc.get(doc.id) ?? []) {
        for (const l of ls) {
          const g = byCode.get(l.vatCode) ?? { rate: l.vatRate, incl: [], lines: [] };
          g.incl.push(l.inclVat);
          g.lines.push(l);
          byCode.set(l.vatCode, g);
        }
      }
      for (const [code, g] of byCode) {
        const exportCode = m.vat[code]?.vatCode ?? code;
        let net: Units;
        let vat: Units;
        if (this.rules.vatOn === 'product') {
          const s = productsSplit(g.lines, d);
          net = unitsOf(s.net);
          vat = unitsOf(s.vat);
        } else if (this.rules.vatOn === 'line') {
          let n = 0;
          let v = 0;
          for (const incl of g.incl) {
            const s = this.lineSplit(incl, g.rate);
            n += s.net;
            v += s.vat;
          }
          net = n;
          vat = v;
        } else {
          const s = splitInclusive(g.incl.reduce((a, b) => a.plus(b), new D(0)), g.rate, d);
          net = unitsOf(s.exclVat);
          vat = unitsOf(s.vat);
        }
        add(this.expectedNet, exportCode, net);
        add(this.expectedVat, exportCode, vat);
      }
    }
    const postedByNumber = adjustments.length ? new Map([...posted.values()].map((x) => [x.number, x])) : null;
    for (const a of adjustments) {
      const doc = postedByNumber!.get(a.document);
      const lineCount = (doc ? linesByDoc.get(doc.id) ?? [] : []).reduce((n, ls) => n + ls.length, 0);
      const tolerance = new D(10).pow(-d).times(Math.max(1, lineCount));
      if (a.amount.abs().gt(tolerance)) this.badAdjustments.push(`${a.document}: ${a.amount.toFixed()} is more than rounding`);
      if (a.placement === 'first-tax' && a.vatCode) add(this.expectedVat, a.vatCode, unitsOf(a.amount));
      if (a.placement === 'first-line' && a.vatCode) add(this.expectedNet, a.vatCode, unitsOf(a.amount));
    }

    const vatAccounts = new Set(Object.values(m.vat).map((v) => v.vatAccount));
    const salesAccounts = new Set(Object.values(m.vat).map((v) => v.salesAccount));
    // Discounts posted apart (mapping.discounts) are part of the net: gross sales − discounts.
    if (m.discounts) salesAccounts.add(m.discounts.account);
    const treasuryAccounts = new Set(Object.values(m.paymentModes).filter((p) => !p.credit && !p.depositVoucher && p.account).map((p) => p.account!));
    const customerSeen = new Map<string, Units>();
    for (const e of entries) {
      this.entries++;
      let dr = 0;
      let cr = 0;
      for (const l of e.lines) {
        // The amount the writer stores (debit − credit); a line is one side only.
        const a = l.amount;
        if (a > 0) dr = addUnits(dr, a);
        else cr = addUnits(cr, -a);
        if (e.kind === 'sales') {
          if (l.letterKey !== null && l.documentNumber && expectCustomer.has(l.documentNumber)) add(customerSeen, l.documentNumber, a);
          if (l.vatCode && vatAccounts.has(l.account)) add(this.postedVat, l.vatCode, -a);
          else if (l.vatCode && salesAccounts.has(l.account)) add(this.postedNet, l.vatCode, -a);
        } else if (treasuryAccounts.has(l.account) && l.aux === null) {
          this.treasuryMoves = addUnits(this.treasuryMoves, a);
        }
      }
      if (dr !== cr) this.unbalanced.push(`${e.journal} ${e.piece} (${unitsText(dr, this.d)} ≠ ${unitsText(cr, this.d)})`);
    }
    for (const [num, want] of expectCustomer) {
      const got = customerSeen.get(num) ?? 0;
      this.customerDebits = addUnits(this.customerDebits, got);
      if (got !== want) this.docMismatch.push(`${num}: customer ${unitsText(got, d)} ≠ document ${unitsText(want, d)}`);
    }
  }

  /**
   * A line's net and VAT in units, by the books checks' own integer split (server/books/checks/amounts.ts,
   * BigInt), not posting's: the invariants recompute what posting computed. Memoised: a store sells
   * the same amounts all day.
   */
  private lineSplit(incl: string, rate: string): { net: Units; vat: Units } {
    const key = `${rate}\u0000${incl}`;
    let s = this.splits.get(key);
    if (!s) {
      const u = units(incl);
      if (u === null) {
        const x = splitInclusive(incl, rate, this.d);
        s = { net: unitsOf(x.exclVat), vat: unitsOf(x.vat) };
      } else {
        const x = splitIncl(u, rate, this.d);
        s = { net: Number(x.net), vat: Number(x.vat) };
        if (!Number.isSafeInteger(s.net) || !Number.isSafeInteger(s.vat)) throw new Error(`amount ${incl} too large to check exactly`);
      }
      if (this.splits.size >= 200_000) this.splits.clear();
      this.splits.set(key, s);
    }
    return s;
  }

  addLettering(groups: LetteringPlan['groups']): void {
    for (const g of groups) {
      this.lettered++;
      const zero = g.debit.eq(g.credit);
      if (g.partial) this.partial++;
      if (g.partial === zero) this.badGroups.push(`${g.account}/${g.aux ?? ''} ${g.code} (${g.key}): ${fmt(g.debit, this.d)} − ${fmt(g.credit, this.d)}${g.partial ? ' flagged partial but balanced' : ' does not sum to zero'}`);
    }
  }

  validate(): PassResult<InvariantFigure[]> {
    const d = this.d;
    const list = (xs: string[]) => xs.slice(0, 3).join('; ') + (xs.length > 3 ? `; … ${xs.length - 3} more` : '');
    const codes = (a: Map<string, Units>, b: Map<string, Units>) => {
      const bad: string[] = [];
      const out: string[] = [];
      for (const code of [...new Set([...a.keys(), ...b.keys()])].sort()) {
        const want = a.get(code) ?? 0;
        const got = b.get(code) ?? 0;
        out.push(`${code} ${unitsText(got, d)}`);
        if (want !== got) bad.push(`${code}: posted ${unitsText(got, d)} ≠ lines ${unitsText(want, d)}`);
      }
      return { bad, out };
    };
    const vat = codes(this.expectedVat, this.postedVat);
    const net = codes(this.expectedNet, this.postedNet);
    const totalsOk = this.ticketGoods === this.docTotals && this.docRounded === this.customerDebits && !this.docMismatch.length;
    const judged = [
      { name: 'entries balance', ok: !this.unbalanced.length, detail: this.unbalanced.length ? `unbalanced: ${list(this.unbalanced)}` : `${this.entries} entries, each Σ debit = Σ credit` },
      {
        name: 'tickets = documents = customer debits',
        ok: totalsOk,
        detail: `tickets ${unitsDec(this.ticketGoods).toFixed()} / documents ${unitsDec(this.docTotals).toFixed()} / customer debits ${unitsText(this.customerDebits, d)}${this.docMismatch.length ? ` — ${list(this.docMismatch)}` : ''}`,
      },
      { name: 'VAT per code = Σ line VAT', ok: !vat.bad.length && !this.badAdjustments.length, detail: vat.bad.length || this.badAdjustments.length ? list([...vat.bad, ...this.badAdjustments]) : vat.out.join(', ') || 'no VAT posted' },
      { name: 'net per code = Σ line net', ok: !net.bad.length, detail: net.bad.length ? list(net.bad) : net.out.join(', ') || 'no sales posted' },
      { name: 'money received = treasury movements', ok: this.moneyIn === this.treasuryMoves, detail: `payments ${unitsText(this.moneyIn, d)} / treasury ${unitsText(this.treasuryMoves, d)}` },
      { name: LETTERING_CHECK, ok: !this.badGroups.length, detail: this.badGroups.length ? list(this.badGroups) : `${this.lettered} group(s) lettered, ${this.partial} partial` },
    ];
    return {
      result: judged.map(({ name, detail }) => ({ name, detail })),
      errors: judged.filter((c) => !c.ok).map((c) => ({ source: 'invariants', message: `${c.name} (${c.detail})`, ref: { check: c.name } })),
    };
  }
}

/** One line per check as a run reports it (--json `invariants`): ok, or broken when the pass named it. */
export interface InvariantLine extends InvariantFigure {
  ok: boolean;
}

export function invariantLines(v: PassResult<InvariantFigure[]>): InvariantLine[] {
  const broken = new Set(v.errors.map((e) => e.ref.check));
  return v.result.map((f) => ({ name: f.name, ok: !broken.has(f.name), detail: f.detail }));
}

export function renderInvariants(lines: InvariantLine[]): string {
  return lines.map((c) => `  ${c.ok ? 'ok    ' : 'BROKEN'} ${c.name}: ${c.detail}`).join('\n');
}
