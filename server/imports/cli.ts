import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { withServer } from '../lazy-context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import type { SaleField } from './marketplace-profile.ts';

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
        const { importReceivables, renderReceivables } = await import('./receivables-run.ts');
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
        const { importBank, renderBank } = await import('./bank-run.ts');
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
        const { importPayments, renderPayments } = await import('./payments-run.ts');
        const s = await withServer({ data: opts.data, db: opts.db }, (srv) => importPayments(srv.db, srv.data, args[0], { preview: opts.preview }));
        return { data: s, text: renderPayments(s).replace('server undo --batch', `server undo --data ${opts.data} --batch`), exitCode: s.counts.error ? 1 : 0 };
      }),
    );

  server
    .command('import-sales')
    .description('a marketplace report (.xlsx or .csv) → control grid → one invoice per order in the marketplace numbering chain, sales and commission entries (one undoable batch)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--source <profile>', 'fnac, generic, or the path of a profile JSON file')
    .option('--preview', 'print the control grid, write nothing')
    .option('--set <field=value...>', 'column action: apply the value to every ticked line (e.g. --set country=FR)')
    .option('--edit <line:field=value...>', 'change one line of the grid (e.g. --edit 7:customerName=Jean Dupont)')
    .option('--skip <lines...>', 'untick these grid lines (row numbers, or Sheet!row), repeated or comma-separated')
    .option('--date <day>', 'invoice date YYYY-MM-DD (default: today); the order dates stay the sale dates')
    .argument('<file>', 'the marketplace report: commandes-terminees-jj-mm-aaaa.xlsx for fnac')
    .action(
      run<Base & { source: string; preview?: boolean; set?: string[]; edit?: string[]; skip?: string[]; date?: string }>(async (opts, _ctx, args) => {
        const { parseAssignments } = await import('./sales-grid.ts');
        const { importSales, renderSales } = await import('./sales-run.ts');
        let set: Partial<Record<SaleField, string>>;
        const edits = new Map<string, Partial<Record<SaleField, string>>>();
        try {
          set = parseAssignments(opts.set, '--set');
          for (const e of opts.edit ?? []) {
            const m = /^([^:]+):(.*)$/.exec(e);
            if (!m) throw new Error(`--edit ${e}: expected LINE:field=value`);
            edits.set(m[1], { ...(edits.get(m[1]) ?? {}), ...parseAssignments([m[2]], '--edit') });
          }
        } catch (e) {
          throw new TillsyncError('usage', (e as Error).message, { hint: 'fields: order, date, customerName, firstName, company, vatNumber, email, address, postcode, city, country, sku, label, quantity, unitPrice, shipping, vatRate, commission, status' });
        }
        if (opts.date && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new TillsyncError('usage', `--date ${opts.date} is not YYYY-MM-DD`, { hint: 'e.g. --date 2026-12-05' });
        const skip = new Set((opts.skip ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean));
        const s = await withServer({ data: opts.data, db: opts.db }, (srv) => importSales(srv.db, srv.data, args[0], { source: opts.source, preview: opts.preview, edits: { set, edits, skip }, invoiceDate: opts.date }));
        return { data: s, text: renderSales(s).replace('server undo --batch', `server undo --data ${opts.data} --batch`), exitCode: s.counts.error ? 1 : 0 };
      }),
    );
}
