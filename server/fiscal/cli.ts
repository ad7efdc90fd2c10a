/** `tillsync server archive` and `server journal` (server/fiscal/ owns them). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { run } from '../../cli/output.ts';
import { withServer } from '../lazy-context.ts';

export function registerFiscalCommands(server: Command): void {
  server
    .command('archive')
    .description('write the signed fiscal archive of a month or fiscal year (all tills: tickets, closures, journals, public keys) for tillsync audit verify')
    .requiredOption('--data <dir>', 'server folder')
    .option('--db <url>', 'database URL (default: server.json)')
    .option('--period <kind>', 'month or year', 'month')
    .option('--month <YYYY-MM>', 'with --period month (default: last month)')
    .option('--year <YYYY>', 'with --period year (default: last year)')
    .option('--out <dir>', 'folder to write into (default DATA/archives)')
    .action(
      run(async (opts) => {
        const { archivePeriod, writeServerArchive } = await import('./server-archive.ts');
        const period = archivePeriod(opts.period, opts.period === 'year' ? opts.year : opts.month);
        const r = await withServer({ data: resolve(opts.data), db: opts.db }, (ctx) => writeServerArchive(ctx, period, opts.out));
        const m = r.manifest;
        const tickets = Object.values(m.tickets).reduce((n, t) => n + t.count, 0);
        return { data: r, text: `archive ${r.path} (${r.bytes} bytes): period ${period}, ${tickets} tickets of ${Object.keys(m.tickets).length} tills, ${m.closures.day + m.closures.month + m.closures.year} closures, ${Object.values(m.journal).reduce((n, j) => n + j.count, 0)} journal events; signed by the server key ${m.signedBy.fingerprint}` };
      }),
    );

  server
    .command('journal')
    .description("the technical-event journals: the server's own and the tills' (newest first)")
    .requiredOption('--data <dir>', 'server folder')
    .option('--db <url>', 'database URL (default: server.json)')
    .option('--origin <origin>', 'server, or a till id like S1-01')
    .option('--limit <n>', 'how many', (v) => Number(v), 50)
    .action(
      run(async (opts) => {
        const { journalEvents } = await import('./journal-store.ts');
        const events = await withServer({ data: resolve(opts.data), db: opts.db }, (ctx) => journalEvents(ctx, { origin: opts.origin, limit: opts.limit }));
        return { data: { events }, text: events.map((e) => `${e.id}  ${e.at}  ${e.type.padEnd(16)} ${JSON.stringify(e.data)}`).join('\n') || 'no journal events yet' };
      }),
    );
}
