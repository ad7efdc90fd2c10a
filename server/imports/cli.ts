import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { withServer } from '../context.ts';
import { importReceivables, renderReceivables } from './receivables-run.ts';

interface Base {
  data: string;
  db?: string;
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
}
