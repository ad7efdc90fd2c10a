import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';
import { parseCustomerRange, parseExclude, parseTicketRange, parseTillRange, parseUntil, yesterday, type IntegrationFilters } from './filters.ts';
import type { OverrideOutcome } from './ticket-overrides.ts';

interface IntegrateOpts {
  data: string;
  db?: string;
  until?: string;
  tills?: string;
  customers?: string;
  tickets?: string;
  exclude?: string[];
  preview?: boolean;
}

export function filtersFromOptions(o: Omit<IntegrateOpts, 'data' | 'db' | 'preview'>): IntegrationFilters {
  const f: IntegrationFilters = { until: o.until ? parseUntil(o.until) : yesterday() };
  if (o.tills) f.tills = parseTillRange(o.tills);
  if (o.customers) f.customers = parseCustomerRange(o.customers);
  if (o.tickets) f.tickets = parseTicketRange(o.tickets);
  const exclude = parseExclude(o.exclude);
  if (exclude.length) f.exclude = exclude;
  return f;
}

interface SetCustomerOpts {
  data: string;
  db?: string;
  customer?: string;
  clear?: boolean;
  list?: boolean;
  pending?: boolean;
  reason?: string;
  by?: string;
}

/** Some tickets refused: exit 1 after printing what was done; all refused: one error line. */
function overrideResult(o: OverrideOutcome, describeOverrideOutcome: (o: OverrideOutcome) => string) {
  if (o.refused.length && !o.changed.length && !o.unchanged.length) {
    const first = o.refused[0].reason;
    throw new TillsyncError('override-refused', o.refused.length === 1 ? first : `${o.refused.length} tickets refused, e.g. ${first}`, { hint: 'nothing was changed' });
  }
  return { data: o, text: describeOverrideOutcome(o), exitCode: o.refused.length ? 1 : 0 };
}

/** `tillsync server` verbs of server/integration/: integrate, undo, set-customer. */
export function registerIntegrationCommands(server: Command): void {
  server
    .command('integrate')
    .description('group pending tickets into invoices, delivery notes and credit notes (one per customer × day × till); --preview shows the control grid')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--until <date>', 'last business day to integrate, YYYY-MM-DD, today or yesterday (default: yesterday)')
    .option('--tills <range>', 'till range, inclusive: 01-05, or one till: 03')
    .option('--customers <range>', 'customer range, inclusive: C0000001-C0000009, or one customer: COMPTOIR (FROM..TO if codes contain a dash)')
    .option('--tickets <range>', 'ticket number range, inclusive: 1-500')
    .option('--exclude <ticket...>', 'leave these ticket ids out of this run (e.g. S1-01-00000042), repeated or comma-separated')
    .option('--preview', 'show what would be created (control grid) and write nothing')
    .action(
      run<IntegrateOpts>(async (opts, ctx) => {
        const filters = filtersFromOptions(opts);
        const { previewIntegration, runIntegration } = await import('./integrate.ts');
        const { renderControlGrid, renderRun } = await import('./control-grid.ts');
        const { listOverrides } = await import('./ticket-overrides.ts');
        return withServer({ data: opts.data, db: opts.db }, async (server) => {
          let bar: ReturnType<typeof ctx.progress> | null = null;
          let shown = 0;
          const hooks = {
            onStart: (total: number) => {
              if (total > 2000) bar = ctx.progress(opts.preview ? 'preview' : 'integrate', total);
            },
            onProgress: (done: number) => {
              bar?.tick(done - shown);
              shown = done;
            },
          };
          try {
            if (opts.preview) {
              const p = await previewIntegration(server.db, filters, hooks);
              const previewed = new Set(p.documents.flatMap((d) => d.tickets));
              const overrides = (await listOverrides(server.db, { pending: true })).filter((o) => previewed.has(o.ticket));
              return { data: { preview: true, ...p, overrides }, text: renderControlGrid(p, new Map(overrides.map((o) => [o.ticket, o]))) };
            }
            const s = await runIntegration(server.db, server.data, filters, hooks);
            return { data: s, text: renderRun(s).replace('server undo --batch', `server undo --data ${opts.data} --batch`) };
          } finally {
            (bar as ReturnType<typeof ctx.progress> | null)?.done();
          }
        });
      }),
    );

  server
    .command('set-customer')
    .description("set the customer integration uses for pending tickets (a back-office correction: the signed ticket is not changed, the change is logged); --clear goes back to each ticket's own customer; --list shows the corrections")
    .argument('[tickets...]', 'ticket ids, e.g. S1-01-00000042 (several, or comma-separated)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--customer <code>', 'customer code of the base data, e.g. C0000001')
    .option('--clear', "go back to the customer each ticket was sold to")
    .option('--reason <text>', 'why (kept with the correction and written to the log book)')
    .option('--by <name>', 'who makes the correction (default: cli:<login>)')
    .option('--list', 'list the corrections in place (all, or of the tickets given)')
    .option('--pending', 'with --list: only tickets not integrated yet')
    .action(
      run<SetCustomerOpts>(async (opts, _ctx, args) => {
        const modes = [opts.customer !== undefined, Boolean(opts.clear), Boolean(opts.list)].filter(Boolean).length;
        if (modes !== 1) throw new TillsyncError('usage', 'say what to do: --customer CODE, --clear or --list', { hint: 'e.g. tillsync server set-customer --data DIR --customer C0000001 S1-01-00000042 S1-01-00000043' });
        const { clearTicketCustomer, cliUser, describeOverrideOutcome, describeOverrides, listOverrides, parseTicketIds, setTicketCustomer } = await import('./ticket-overrides.ts');
        return withServer({ data: opts.data, db: opts.db }, async (server) => {
          if (opts.list) {
            const list = await listOverrides(server.db, { pending: opts.pending, tickets: args.length ? parseTicketIds(args) : undefined });
            return { data: { overrides: list }, text: describeOverrides(list) };
          }
          const req = { tickets: args, by: opts.by ?? cliUser(), reason: opts.reason };
          return overrideResult(opts.clear ? await clearTicketCustomer(server.db, server.data, req) : await setTicketCustomer(server.db, server.data, opts.customer!, req), describeOverrideOutcome);
        });
      }),
    );

  server
    .command('undo')
    .description('undo integration batch N and every later integration batch (latest first): documents removed, numbers released, tickets pending again; for a posting batch, N and every later posting batch: entries, letterings and settlement items removed')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--batch <n>', 'the first batch to undo (it and all later integration batches are undone)')
    .action(
      run<{ data: string; db?: string; batch: string }>(async (opts) => {
        if (!/^\d+$/.test(opts.batch)) throw new TillsyncError('usage', `--batch ${opts.batch} is not a batch number`, { hint: 'give the number printed by integrate, e.g. --batch 12' });
        const { undoIfAccountingBatch } = await import('../accounting/undo-posting.ts');
        const { undoIfSalesBatch } = await import('../imports/sales-undo.ts');
        const { describeUndo, undoIntegration } = await import('./undo.ts');
        return withServer({ data: opts.data, db: opts.db }, async (server) => {
          const posting = await undoIfAccountingBatch(server.db, server.data, Number(opts.batch));
          if (posting) return posting;
          const sales = await undoIfSalesBatch(server.db, server.data, Number(opts.batch));
          if (sales) return sales;
          const s = await undoIntegration(server.db, server.data, Number(opts.batch));
          return { data: s, text: describeUndo(s) };
        });
      }),
    );
}
