/**
 * The numbers the law wants continuous are. document-numbers: per series 1..n without a gap or a
 * double, the series counter at n, each printed number once (CGI 242 nonies A: a chronological,
 * continuous series). entry-numbers: the FEC numbers as stored (fec_num over all entries,
 * fec_journal_num inside each journal) run 1..n without a break (LPF A47 A-1, "une séquence
 * continue"); entries not yet numbered are left to the export, which numbers them.
 */
import { Problems, type BooksCheck } from './check.ts';
import type { Db } from '../../db/database.ts';

interface Run {
  n: unknown;
  lo: unknown;
  hi: unknown;
  distinct: unknown;
}

const continuous = (r: Run) => Number(r.n) === 0 || (Number(r.lo) === 1 && Number(r.hi) === Number(r.n) && Number(r.distinct) === Number(r.n));

/** The missing ranges and doubled numbers of a list (only computed for a sequence already known broken). */
function breaks(nums: number[]): { missing: string[]; twice: number[] } {
  nums.sort((a, b) => a - b);
  const missing: string[] = [];
  const twice: number[] = [];
  let expect = 1;
  for (const s of nums) {
    if (s < expect) twice.push(s);
    else {
      if (s > expect) missing.push(s - 1 === expect ? String(expect) : `${expect}–${s - 1}`);
      expect = s + 1;
    }
  }
  return { missing, twice };
}

const few = (xs: (number | string)[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? ', …' : '');

function describe(what: string, nums: number[]): string {
  const { missing, twice } = breaks(nums);
  return [missing.length ? `${what}: ${few(missing)} missing` : '', twice.length ? `${what}: ${few(twice)} taken twice` : ''].filter(Boolean).join('; ');
}

async function entryNumbers(db: Db, journal: string | null): Promise<number[]> {
  let q = db.selectFrom('entries').select(journal === null ? 'fec_num as n' : 'fec_journal_num as n');
  q = journal === null ? q.where('fec_num', 'is not', null) : q.where('journal', '=', journal).where('fec_journal_num', 'is not', null);
  return (await q.execute()).map((r) => Number(r.n));
}

export const documentNumbersCheck: BooksCheck = {
  name: 'document-numbers',
  title: 'document numbers 1..n per series, each once, the series counter at n',
  async run({ db }) {
    const p = new Problems();
    const series = await db
      .selectFrom('documents')
      .select(['series', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('seq').as('lo'), (eb) => eb.fn.max('seq').as('hi'), (eb) => eb.fn.count('seq').distinct().as('distinct')])
      .groupBy('series')
      .execute();
    const counters = new Map((await db.selectFrom('number_series').select(['series', 'last_seq']).execute()).map((r) => [r.series, Number(r.last_seq)]));
    let docs = 0;
    for (const s of series) {
      docs += Number(s.n);
      if (!continuous(s)) {
        const seqs = (await db.selectFrom('documents').select('seq').where('series', '=', s.series).execute()).map((r) => Number(r.seq));
        p.add(describe(`series ${s.series}`, seqs), `series ${s.series}`);
      }
      const last = counters.get(s.series);
      if (last !== Number(s.hi)) p.add(`series ${s.series}: counter at ${last ?? 'none'} but the last document is ${s.hi}`, `series ${s.series}`);
    }
    // Deposit invoices (FA…) number in their own table, under the series 'deposit-invoice'.
    const dep = await db.selectFrom('deposit_invoices').select([(eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('seq').as('lo'), (eb) => eb.fn.max('seq').as('hi'), (eb) => eb.fn.count('seq').distinct().as('distinct')]).executeTakeFirstOrThrow();
    docs += Number(dep.n);
    if (!continuous(dep)) p.add(describe('series deposit-invoice', (await db.selectFrom('deposit_invoices').select('seq').execute()).map((r) => Number(r.seq))), 'series deposit-invoice');
    if ((counters.get('deposit-invoice') ?? 0) !== Number(dep.hi ?? 0)) p.add(`series deposit-invoice: counter at ${counters.get('deposit-invoice') ?? 'none'} but the last deposit invoice is ${dep.hi ?? 'none'}`, 'series deposit-invoice');
    // Series of the documents made here; other counters (imported sales' own series) are their importer's.
    for (const name of ['invoice', 'credit-note', 'delivery-note']) {
      const last = counters.get(name) ?? 0;
      if (last > 0 && !series.some((s) => s.series === name)) p.add(`series ${name}: counter at ${last} but no document`, `series ${name}`);
    }
    const doubled = await db.selectFrom('documents').select(['number', (eb) => eb.fn.countAll().as('n')]).groupBy('number').having((eb) => eb.fn.countAll(), '>', 1).execute();
    for (const d of doubled) p.add(`document number ${d.number} used ${d.n} times`, `document ${d.number}`);

    return p.done(`${docs} document(s) in ${series.length} series`);
  },
};

export const entryNumbersCheck: BooksCheck = {
  name: 'entry-numbers',
  title: 'FEC entry numbers 1..n over all entries and inside each journal',
  async run({ db }) {
    const p = new Problems();
    const all = await db
      .selectFrom('entries')
      .select([(eb) => eb.fn.count('fec_num').as('n'), (eb) => eb.fn.min('fec_num').as('lo'), (eb) => eb.fn.max('fec_num').as('hi'), (eb) => eb.fn.count('fec_num').distinct().as('distinct')])
      .executeTakeFirstOrThrow();
    if (!continuous(all)) p.add(describe('FEC entry numbers', await entryNumbers(db, null)), 'entries');
    const journals = await db
      .selectFrom('entries')
      .select(['journal', (eb) => eb.fn.count('fec_journal_num').as('n'), (eb) => eb.fn.min('fec_journal_num').as('lo'), (eb) => eb.fn.max('fec_journal_num').as('hi'), (eb) => eb.fn.count('fec_journal_num').distinct().as('distinct')])
      .groupBy('journal')
      .execute();
    for (const j of journals) if (!continuous(j)) p.add(describe(`journal ${j.journal} entry numbers`, await entryNumbers(db, j.journal)), `journal ${j.journal}`);
    return p.done(`${Number(all.n)} numbered entries in ${journals.length} journal(s)`);
  },
};
