import type { Command } from 'commander';

/**
 * `tillsync server check`: the books' named checks over the whole database. Only the command's
 * definition lives here; its implementation loads when it runs (start-up stays cheap).
 */
export function registerBooksCommands(server: Command): void {
  server
    .command('check')
    .description('check the whole books: balance, numbering, sales/VAT/treasury tie-outs, lettering, settlements, documents = tickets = VAT lines; exit 1 naming each failed check')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--from <date>', 'with --to: check only this period, YYYY-MM-DD (its documents, tickets, entries; numbering resumed before it); see docs/books-checks.md')
    .option('--to <date>', 'with --from: the last day of the period, YYYY-MM-DD')
    .option('--only <names>', 'only these checks, comma-separated (balance,entry-numbers,sales,vat,treasury,lettering,settlements,documents,ticket-vat,document-numbers,ereports)')
    .action(async (...a: unknown[]) => (await import('./check-command.ts')).checkAction(...a));
}
