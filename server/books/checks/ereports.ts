/**
 * ereports: every B2C e-report on record (not reset) still says what the books say. For its period,
 * the sales journal's net credit on sales accounts (70) and collected VAT (4457) — what the FEC shows
 * — equals the posted documents; the consumers' part plus the business part makes those totals; and
 * the figures recomputed now, transactions (Flux 10.3) and services collected (Flux 10.4), equal the
 * recorded ones. A report made from Z reports before integration must come out the same once its
 * days are integrated: otherwise it is named here, to be reset and reported again (corrective RE).
 */
import { TillsyncError } from '../../../sync/errors.ts';
import { D } from '../../../sync/money.ts';
import { loadBaseData } from '../../base-data.ts';
import { b2cRules, gatherB2c } from '../../einvoice/ereport-gather.ts';
import { Problems, type BooksCheck } from './check.ts';

interface RecordedTotals {
  payments?: { days: { rates: { amount: string }[] }[] } | null;
}

export const ereportsCheck: BooksCheck = {
  name: 'ereports',
  title: 'each e-report on record = its period recomputed now (transactions and services collected), and ties out to the sales and VAT accounts (the FEC)',
  periodScope: { mode: 'whole', how: 'every e-report on record: each recomputes its own period (a handful of reports, not the tickets)' },
  async run(ctx) {
    const p = new Problems();
    const reports = await ctx.db.selectFrom('ereports').select(['id', 'period_from', 'period_to', 'total_excl', 'total_vat', 'totals']).where('reset_at', 'is', null).orderBy('id').execute();
    if (!reports.length) return p.done('no e-report on record');
    const rules = b2cRules(await loadBaseData(ctx.db));
    let pending = 0;
    for (const r of reports) {
      const ref = `e-report ${r.id}`;
      const period = { from: r.period_from, to: r.period_to, label: `${r.period_from}..${r.period_to}` };
      try {
        const g = await gatherB2c(ctx.db, period, rules);
        if (g.tieOut.reportedExcl !== new D(r.total_excl).toFixed(2) || g.tieOut.reportedVat !== new D(r.total_vat).toFixed(2)) {
          p.add(`e-report ${r.id} (${period.label}) recorded ${r.total_excl} + ${r.total_vat} VAT, the period now gives ${g.tieOut.reportedExcl} + ${g.tieOut.reportedVat} VAT: reset it and report again (tillsync server ereport-reset --id ${r.id})`, ref, { recorded: r.total_excl, now: g.tieOut.reportedExcl });
        }
        const recorded = (JSON.parse(r.totals) as RecordedTotals).payments?.days.flatMap((d) => d.rates.map((x) => x.amount)) ?? [];
        const recordedCollected = recorded.reduce((a, x) => a.plus(x), new D(0)).toFixed(2);
        if (recordedCollected !== g.tieOut.collected) p.add(`e-report ${r.id} (${period.label}) recorded ${recordedCollected} collected for services, the period now gives ${g.tieOut.collected}`, ref, { recorded: recordedCollected, now: g.tieOut.collected });
      } catch (e) {
        // Integrated but not posted yet: the nightly posts before it checks; nothing to judge now.
        if (e instanceof TillsyncError && e.code === 'ereport-not-posted') pending++;
        else p.add(`e-report ${r.id} (${period.label}): ${(e as Error).message}`, ref);
      }
    }
    return p.done(`${reports.length} e-report(s)${pending ? `, ${pending} with documents not posted yet` : ''}`);
  },
};
