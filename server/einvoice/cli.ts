import type { Command } from 'commander';
import { resolve } from 'node:path';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';
import { STATUSES, statusOf } from './lifecycle.ts';
import type { EreportOutcome } from './ereport-run.ts';
import { VAT_REGIMES, type VatRegime } from './ereport-period.ts';

const list = (s: string | undefined) => (s ?? '').split(/[,;\s]+/).filter(Boolean);

function ereportText(o: EreportOutcome): string {
  if (o.status !== 'written') return o.message;
  const lines = [o.message];
  for (const d of o.days) lines.push(`  ${d.day} ${d.category} ${d.count} transaction(s): ${d.rates.map((r) => `${r.rate}% ${r.base.toFixed(2)} + ${r.vat.toFixed(2)}`).join(', ')}`);
  for (const p of o.payments) lines.push(`  ${p.day} services collected: ${p.rates.map((r) => `${r.rate}% ${r.amount.toFixed(2)}`).join(', ')}`);
  for (const z of o.fromZReports) lines.push(`  ${z.day} till ${z.store}-${z.till}: from Z report ${z.closure} (not integrated yet; once it is, ereport-reset and report again)`);
  for (const n of o.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** `tillsync server` verbs of server/einvoice/: einvoice send|status, ereport, ereport-reset, ereports. */
export function registerEinvoiceCommands(server: Command): void {
  const einvoice = server.command('einvoice').description('Factur-X e-invoices: send them to the platform (PDP), follow their lifecycle');

  einvoice
    .command('send')
    .description('hand every produced Factur-X (not yet sent) to the platform configured in server.json einvoice.platform')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--numbers <numbers>', 'only these invoice numbers')
    .option('--folder <dir>', 'drop into this folder instead of the configured platform (folder adapter)')
    .action(
      run<{ data: string; db?: string; numbers?: string; folder?: string }>(async (opts, ctx) =>
        withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          const { platformAdapter, platformConfig } = await import('./platform.ts');
          const { sendProduced } = await import('./send.ts');
          const c = opts.folder ? { adapter: 'folder' as const, dir: resolve(opts.folder) } : platformConfig(sctx.config);
          if (!c) throw new TillsyncError('config', 'no platform to send e-invoices to', { hint: 'set einvoice.platform in server.json, e.g. {"adapter": "folder", "dir": "pdp"} (docs/einvoicing.md)' });
          let bar: ReturnType<typeof ctx.progress> | null = null;
          const r = await sendProduced(sctx, platformAdapter(c, opts.data), {
            numbers: list(opts.numbers),
            onProgress: (done, total) => {
              bar ??= ctx.progress('send', total);
              bar.tick();
              if (done >= total) bar.done();
            },
          });
          const text = [`${r.sent.length} e-invoice(s) sent through ${c.adapter}${r.sent.length ? `: ${r.sent.join(', ')}` : ''}`, ...r.failed.map((f) => `not sent ${f.number}: ${f.error}`)].join('\n');
          return { data: { adapter: c.adapter, ...r }, text, exitCode: r.failed.length ? 1 : 0 };
        }),
      ),
    );

  einvoice
    .command('status')
    .description('list e-invoices and their lifecycle status; --poll reads the platform\'s answers, --set records one by hand')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--poll', 'apply the statuses the platform returned (folder adapter: DIR/statuses/*.json)')
    .option('--set <number=status>', `record a status given by the platform (${Object.keys(STATUSES).filter((s) => s !== 'produced').join(', ')} or a CDAR code 200–213)`)
    .option('--message <text>', 'with --set: the platform\'s message')
    .option('--number <n>', 'only this invoice (with its history)')
    .action(
      run<{ data: string; db?: string; poll?: boolean; set?: string; message?: string; number?: string }>(async (opts) =>
        withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          const { platformAdapter, platformConfig } = await import('./platform.ts');
          const { applyStatuses } = await import('./send.ts');
          const notes: string[] = [];
          if (opts.set) {
            const m = /^([^=]+)=(.+)$/.exec(opts.set);
            const to = m ? statusOf(m[2]) : undefined;
            if (!m || !to) throw new TillsyncError('usage', `--set "${opts.set}" is not NUMBER=STATUS`, { hint: `e.g. --set F00000007=rejected (statuses: ${Object.keys(STATUSES).join(', ')})` });
            const r = await applyStatuses(sctx, 'manual', [{ number: m[1].trim(), status: to, message: opts.message }]);
            if (r.skipped.length) throw new TillsyncError('einvoice-status', r.skipped[0], { hint: 'see tillsync server einvoice status --number N' });
            notes.push(`${m[1]} → ${to}`);
          }
          if (opts.poll) {
            const c = platformConfig(sctx.config);
            if (!c) throw new TillsyncError('config', 'no platform configured to poll', { hint: 'set einvoice.platform in server.json' });
            const adapter = platformAdapter(c, opts.data);
            if (!adapter.poll) throw new TillsyncError('usage', `the ${c.adapter} adapter returns no statuses`, { hint: 'record them with --set NUMBER=STATUS' });
            const r = await applyStatuses(sctx, c.adapter, await adapter.poll());
            notes.push(`${r.applied.length} status(es) applied${r.skipped.length ? `, ${r.skipped.length} skipped: ${r.skipped.join('; ')}` : ''}`);
          }
          let q = sctx.db.selectFrom('einvoices').selectAll().orderBy('issue_date').orderBy('number');
          if (opts.number) q = q.where('number', '=', opts.number);
          const rows = await q.execute();
          const events = opts.number ? await sctx.db.selectFrom('einvoice_events').selectAll().where('number', '=', opts.number).orderBy('id').execute() : [];
          const text = [
            ...notes,
            ...(rows.length ? rows.map((r) => `${r.number} ${r.issue_date} ${r.customer} ${r.total_incl} ${r.status}${r.channel ? ` (${r.channel})` : ''}${r.message ? ` — ${r.message}` : ''}`) : ['no e-invoice yet (business customers\' invoices become Factur-X with server invoice-pdf or export --with-pdf)']),
            ...events.map((e) => `  ${e.at} ${e.status}${e.channel ? ` via ${e.channel}` : ''}${e.detail ? `: ${e.detail}` : ''}`),
          ].join('\n');
          return { data: { einvoices: rows, events }, text };
        }),
      ),
    );

  server
    .command('ereport')
    .description('write the B2C e-reporting files of a period (Flux 10: transactions; payments when services were collected), from the integrated documents or the Z reports, checked against the books')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--period <period>', '2026-11-D1 (decade), 2026-11 (month), 2026-B6 (two months), FROM..TO, current or last')
    .option('--regime <regime>', `VAT regime for current/last: ${VAT_REGIMES.join(' | ')} (default: server.json ereporting.regime, else decade)`)
    .option('--open', 'report a period that is not over yet')
    .option('--out <dir>', 'folder of the file (default: DATA/ereporting)')
    .action(
      run<{ data: string; db?: string; period: string; regime?: string; open?: boolean; out?: string }>(async (opts) => {
        if (opts.regime && !VAT_REGIMES.includes(opts.regime as VatRegime)) throw new TillsyncError('usage', `unknown regime "${opts.regime}"`, { hint: `use --regime ${VAT_REGIMES.join(', ')}` });
        const { runEreport } = await import('./ereport-run.ts');
        return withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          const o = await runEreport(sctx, { period: opts.period, regime: opts.regime as VatRegime | undefined, open: Boolean(opts.open), out: opts.out ? resolve(opts.out) : undefined });
          const payments = o.payments.map((p) => ({ day: p.day, rates: p.rates.map((r) => ({ rate: r.rate.toString(), amount: r.amount.toFixed(2) })) }));
          return { data: { ...o, days: o.days.map((d) => ({ ...d, rates: d.rates.map((r) => ({ rate: r.rate.toString(), base: r.base.toFixed(2), vat: r.vat.toFixed(2) })) })), payments }, text: ereportText(o) };
        });
      }),
    );

  server
    .command('ereport-reset')
    .description('make recorded e-reporting files writable again (the next report of their period is corrective, RE)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--id <ids>', 'e-reporting numbers (see server ereports)')
    .action(
      run<{ data: string; db?: string; id: string }>(async (opts) => {
        const ids = list(opts.id).map(Number);
        if (!ids.length || ids.some((n) => !Number.isInteger(n) || n <= 0)) throw new TillsyncError('usage', `--id "${opts.id}" is not a list of report numbers`, { hint: 'e.g. --id 3 or --id 3,4' });
        const { resetEreports } = await import('./ereport-run.ts');
        const n = await withServer({ data: opts.data, db: opts.db }, (sctx) => resetEreports(sctx.db, ids));
        return { data: { reset: n }, text: n ? `${n} e-reporting file(s) can be written again` : 'nothing reset (unknown or already reset)' };
      }),
    );

  server
    .command('ereports')
    .description('list the e-reporting files written (newest first) with their totals')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .action(
      run<{ data: string; db?: string }>(async (opts) =>
        withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          const rows = await sctx.db.selectFrom('ereports').selectAll().orderBy('id', 'desc').execute();
          const text = rows.length ? rows.map((r) => `#${r.id} ${r.period_from}..${r.period_to} ${r.transaction_count} transactions ${r.total_excl} + ${r.total_vat} VAT${r.reset_at ? ' (reset)' : ''} → ${r.file}`).join('\n') : 'no e-reporting file yet';
          return { data: rows, text };
        }),
      ),
    );
}
