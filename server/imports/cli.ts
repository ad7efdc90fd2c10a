import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { withServer } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { importBank, renderBank } from './bank-run.ts';
import { importPayments, renderPayments } from './payments-run.ts';
import { importReceivables, renderReceivables } from './receivables-run.ts';

interface Base {
  data: string;
  db?: string;
}

function lineList(v: string[] | undefined): number[] {
  const out: number[] = [];
  for (const part of (v ?? []).flatMap((x) => x.split(','))) {
    if (!part.trim()) continue;
    if (!/^\d+$/.test(part.trim())) throw new TillsyncError('usage', `--skip ${part} is not a line number`, { hint: 'give the line numbers of the grid: --skip 14,22' });
    out.push(Number(part.trim()));
  }
  return out;
}

/** `tillsync server` verbs of server/imports/: import-receivables, import-bank, import-payments, import-sales. */
export function registerImportCommands(server: Command): void {
  server
    .command('import-receivables')
    .description('open items from the accounting software: invoices made outside tillsync that till and bank payments then letter (one undoable batch)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--preview', 'print the verdict of each line, write nothing')
    .argument('<file>', 'CSV: customer, invoice number, date, due date, amount, open amount (see docs/imports.md)')
    .action(
      run<Base & { preview?: boolean }>(async (opts, _ctx, args) => {
        const s = await withServer({ data: opts.data, db: opts.db }, (srv) => importReceivables(srv.db, srv.data, args[0], { preview: opts.preview }));
        return { data: s, text: renderReceivables(s).replace('server undo --batch', `server undo --data ${opts.data} --batch`), exitCode: s.counts.error ? 1 : 0 };
      }),
    );

  server
    .command('import-bank')
    .description('a bank statement (camt.053 or CFONB 120): credit lines matched to open invoices, matches booked as bank entries and lettered (one undoable batch)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--preview', 'print the match grid, write nothing')
    .option('--skip <lines...>', 'leave these grid lines out (untick), repeated or comma-separated')
    .argument('<file>', 'camt.053.001.02/.08 XML or CFONB 120 statement')
    .action(
      run<Base & { preview?: boolean; skip?: string[] }>(async (opts, _ctx, args) => {
        const skip = lineList(opts.skip);
        const s = await withServer({ data: opts.data, db: opts.db }, (srv) => importBank(srv.db, srv.data, args[0], { preview: opts.preview, skip }));
        return { data: s, text: renderBank(s).replace('server undo --batch', `server undo --data ${opts.data} --batch`).replace('server import-bank ', `server import-bank --data ${opts.data} `) };
      }),
    );

  server
    .command('import-payments')
    .description('payments received in the accounting software: the invoices they pay are lettered (mirror entries, or bank entries with payments.post = bank) (one undoable batch)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--preview', 'print the verdict of each line, write nothing')
    .argument('<file>', 'CSV: invoice number, date, amount (customer, reference optional)')
    .action(
      run<Base & { preview?: boolean }>(async (opts, _ctx, args) => {
        const s = await withServer({ data: opts.data, db: opts.db }, (srv) => importPayments(srv.db, srv.data, args[0], { preview: opts.preview }));
        return { data: s, text: renderPayments(s).replace('server undo --batch', `server undo --data ${opts.data} --batch`), exitCode: s.counts.error ? 1 : 0 };
      }),
    );
}
