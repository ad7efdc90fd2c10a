/**
 * The numbers the law wants continuous are. document-numbers: per series 1..n without a gap or a
 * double, the series counter at n, each printed number once (CGI 242 nonies A: a chronological,
 * continuous series). entry-numbers: the FEC numbers as stored (fec_num over all entries,
 * fec_journal_num inside each journal) run 1..n without a break (LPF A47 A-1, "une séquence
 * continue"); entries not yet numbered are left to the export, which numbers them. In a period
 * check both resume from the number before the period's first one (which must exist) and follow the
 * series to its end: a break at the period's boundary still shows, the history before it is not read.
 */
import { Problems, type BooksCheck, type CheckPeriod } from './check.ts';
import type { Db } from '../../db/database.ts';

interface Run {
  n: unknown;
  lo: unknown;
  hi: unknown;
  distinct: unknown;
}

/** The numbers from `start` on run start..hi, each once (start 1: the whole series). */
const continuous = (r: Run, start = 1) => Number(r.n) === 0 || (Number(r.lo) === start && Number(r.hi) - start + 1 === Number(r.n) && Number(r.distinct) === Number(r.n));

/** Where a period check resumes a series: the number before the period's first one (1 when it is the first). */
const resumeAt = (first: unknown) => Math.max(1, Number(first) - 1);

/** The missing ranges and doubled numbers of a list from `start` (only computed for a sequence already known broken). */
function breaks(nums: number[], start: number): { missing: string[]; twice: number[] } {
  nums.sort((a, b) => a - b);
  const missing: string[] = [];
  const twice: number[] = [];
  let expect = start;
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

function describe(what: string, nums: number[], start = 1): string {
  const { missing, twice } = breaks(nums, start);
  return [missing.length ? `${what}: ${few(missing)} missing` : '', twice.length ? `${what}: ${few(twice)} taken twice` : ''].filter(Boolean).join('; ');
}

async function entryNumbers(db: Db, journal: string | null, start = 1): Promise<number[]> {
  let q = db.selectFrom('entries').select(journal === null ? 'fec_num as n' : 'fec_journal_num as n');
  q = journal === null ? q.where('fec_num', '>=', start) : q.where('journal', '=', journal).where('fec_journal_num', '>=', start);
  return (await q.execute()).map((r) => Number(r.n));
}

export const documentNumbersCheck: BooksCheck = {
  name: 'document-numbers',
  title: 'document numbers 1..n per series, each once, the series counter at n',
  periodScope: { mode: 'period', how: "per series with a document of the period: from the number before the period's first one to the series' end and its counter" },
  async run({ db, period }) {
    if (period) return periodDocumentNumbers(db, period);
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
  periodScope: { mode: 'period', how: "from the number before the period's first numbered entry to the last number, over all entries and in each journal with an entry of the period" },
  async run({ db, period }) {
    if (period) return periodEntryNumbers(db, period);
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

/** document-numbers in a period check: each series the period uses, resumed before its first number. */
async function periodDocumentNumbers(db: Db, period: CheckPeriod): Promise<ReturnType<Problems['done']>> {
  const p = new Problems();
  const firsts = await db.selectFrom('documents').select(['series', (eb) => eb.fn.min('seq').as('first')]).where('day', '>=', period.from).where('day', '<=', period.to).groupBy('series').execute();
  const counters = new Map((await db.selectFrom('number_series').select(['series', 'last_seq']).execute()).map((r) => [r.series, Number(r.last_seq)]));
  let docs = 0;
  for (const f of firsts) {
    const start = resumeAt(f.first);
    const tail = await db
      .selectFrom('documents')
      .select([(eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('seq').as('lo'), (eb) => eb.fn.max('seq').as('hi'), (eb) => eb.fn.count('seq').distinct().as('distinct')])
      .where('series', '=', f.series)
      .where('seq', '>=', start)
      .executeTakeFirstOrThrow();
    docs += Number(tail.n);
    if (!continuous(tail, start)) {
      const seqs = (await db.selectFrom('documents').select('seq').where('series', '=', f.series).where('seq', '>=', start).execute()).map((r) => Number(r.seq));
      p.add(describe(`series ${f.series} from ${start}`, seqs, start), `series ${f.series}`);
    }
    const last = counters.get(f.series);
    if (last !== Number(tail.hi)) p.add(`series ${f.series}: counter at ${last ?? 'none'} but the last document is ${tail.hi}`, `series ${f.series}`);
  }
  const dep = await db.selectFrom('deposit_invoices').select((eb) => eb.fn.min('seq').as('first')).where('invoice_date', '>=', period.from).where('invoice_date', '<=', period.to).executeTakeFirstOrThrow();
  if (dep.first !== null) {
    const start = resumeAt(dep.first);
    const tail = await db.selectFrom('deposit_invoices').select([(eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('seq').as('lo'), (eb) => eb.fn.max('seq').as('hi'), (eb) => eb.fn.count('seq').distinct().as('distinct')]).where('seq', '>=', start).executeTakeFirstOrThrow();
    docs += Number(tail.n);
    if (!continuous(tail, start)) p.add(describe(`series deposit-invoice from ${start}`, (await db.selectFrom('deposit_invoices').select('seq').where('seq', '>=', start).execute()).map((r) => Number(r.seq)), start), 'series deposit-invoice');
    if ((counters.get('deposit-invoice') ?? 0) !== Number(tail.hi)) p.add(`series deposit-invoice: counter at ${counters.get('deposit-invoice') ?? 'none'} but the last deposit invoice is ${tail.hi}`, 'series deposit-invoice');
  }
  const doubled = await db
    .selectFrom('documents')
    .select(['number', (eb) => eb.fn.countAll().as('n')])
    .where('number', 'in', (eb) => eb.selectFrom('documents').select('number').where('day', '>=', period.from).where('day', '<=', period.to))
    .groupBy('number')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  for (const d of doubled) p.add(`document number ${d.number} used ${d.n} times`, `document ${d.number}`);
  return p.done(`${docs} document(s) in ${firsts.length} series from the period's first numbers`);
}

/** entry-numbers in a period check: resumed before the period's first numbered entry, overall and per journal. */
async function periodEntryNumbers(db: Db, period: CheckPeriod): Promise<ReturnType<Problems['done']>> {
  const p = new Problems();
  const inPeriod = db.selectFrom('entries').where('entry_date', '>=', period.from).where('entry_date', '<=', period.to);
  const first = await inPeriod.select((eb) => eb.fn.min('fec_num').as('first')).executeTakeFirstOrThrow();
  let numbered = 0;
  if (first.first !== null) {
    const start = resumeAt(first.first);
    const all = await db
      .selectFrom('entries')
      .select([(eb) => eb.fn.count('fec_num').as('n'), (eb) => eb.fn.min('fec_num').as('lo'), (eb) => eb.fn.max('fec_num').as('hi'), (eb) => eb.fn.count('fec_num').distinct().as('distinct')])
      .where('fec_num', '>=', start)
      .executeTakeFirstOrThrow();
    numbered = Number(all.n);
    if (!continuous(all, start)) p.add(describe(`FEC entry numbers from ${start}`, await entryNumbers(db, null, start), start), 'entries');
  }
  const journals = await inPeriod.select(['journal', (eb) => eb.fn.min('fec_journal_num').as('first')]).where('fec_journal_num', 'is not', null).groupBy('journal').execute();
  for (const j of journals) {
    const start = resumeAt(j.first);
    const r = await db
      .selectFrom('entries')
      .select([(eb) => eb.fn.count('fec_journal_num').as('n'), (eb) => eb.fn.min('fec_journal_num').as('lo'), (eb) => eb.fn.max('fec_journal_num').as('hi'), (eb) => eb.fn.count('fec_journal_num').distinct().as('distinct')])
      .where('journal', '=', j.journal)
      .where('fec_journal_num', '>=', start)
      .executeTakeFirstOrThrow();
    if (!continuous(r, start)) p.add(describe(`journal ${j.journal} entry numbers from ${start}`, await entryNumbers(db, j.journal, start), start), `journal ${j.journal}`);
  }
  return p.done(first.first === null ? 'no numbered entry in the period' : `${numbered} numbered entries from the period's first, ${journals.length} journal(s)`);
}
