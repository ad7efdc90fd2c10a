import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';
import type { ExportFormat, ExportOutcome } from './export-run.ts';

interface ExportOpts {
  data: string;
  db?: string;
  format?: string;
  profile?: string;
  from?: string;
  to?: string;
  year?: string;
  yes?: boolean;
  store?: string;
  out?: string;
  includeExported?: boolean;
  separator?: string;
  numbering?: string;
  encoding?: string;
  decimalComma?: boolean;
  decimalPoint?: boolean;
  codesAsText?: boolean;
  withPdf?: boolean;
  mailTo?: string;
}

function outcomeText(o: ExportOutcome, describeProblem: typeof import('./ledger-model.ts').describeProblem): string {
  if (o.status === 'refused') return [`${o.message}:`, ...o.problems.map((p) => `  - ${describeProblem(p)}`)].join('\n');
  const lines = [o.message];
  if (o.status === 'written') lines.push(`totals: debit ${o.totalDebit}, credit ${o.totalCredit}`);
  for (const w of o.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** Asks on the terminal; only "y"/"yes" replaces. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^(y|yes|o|oui)$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const list = (s: string | undefined) => (s ?? '').split(/[,;\s]+/).filter(Boolean);

/** `tillsync server` verbs of server/exports/: export, export-reset, export-mail, exports, invoice-pdf. */
export function registerExportCommands(server: Command): void {
  server
    .command('export')
    .description('export posted entries to the accounting software: the legal FEC of a financial year (--year), or a period (--from/--to) as FEC extract, Exact Online XML, CSV, Sage, EBP, Ciel, Quadratus or Cegid — as posted, or through an export profile (--profile)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--format <format>', 'fec | exact | csv | sage | ebp | ciel | quadratus | cegid (default: the profile\'s format)')
    .option('--profile <name>', 'export profile DATA/profiles/NAME.json: its format, options, accounts, labels and analytics; entries are exported once per profile (default: the default profile when --format is not given)')
    .option('--year <yyyy>', 'financial year (named by its closing date, from company.fiscalYearStart; default the calendar year). FEC: the legal file SIRENFECAAAAMMJJ with opening entries')
    .option('--from <date>', 'first day YYYY-MM-DD (a period: FEC extract)')
    .option('--to <date>', 'last day YYYY-MM-DD')
    .option('--yes', 'replace the yearly FEC already written without asking')
    .option('--store <store>', 'only this store (default: all stores)')
    .option('--out <dir>', 'folder of the file (default: DATA/exports)')
    .option('--include-exported', 'also write entries already exported (they stay on their first export)')
    .option('--separator <sep>', 'FEC field separator: tab | pipe (default tab)')
    .option('--numbering <mode>', 'FEC EcritureNum: file (1..N over the file) | journal (1..N per journal) (default file)')
    .option('--encoding <enc>', 'FEC character set: latin9 (ISO 8859-15) | utf8 (default latin9)')
    .option('--decimal-comma', 'CSV: decimal comma (the default for a French company: SIREN or FR VAT number)')
    .option('--decimal-point', 'CSV: decimal point, even for a French company')
    .option('--codes-as-text', 'CSV: write codes that look like numbers (0000002) as ="0000002" so spreadsheets keep them as text')
    .option('--with-pdf', 'also write the invoices as PDF (in OUT/invoices)')
    .option('--mail-to <emails>', 'mail the file (and PDFs) to these addresses, through exports.auto.smtp of server.json')
    .action(
      run<ExportOpts>(async (opts, ctx) => {
        const { EXPORT_FORMATS, runExport } = await import('./export-run.ts');
        const { describeProblem } = await import('./ledger-model.ts');
        const { autoExportConfig } = await import('./auto-export.ts');
        const { mailExport } = await import('./export-mail.ts');
        const { defaultProfile, loadProfile, checkProfileName } = await import('./profiles/profile-store.ts');
        // A profile names the format and its options; flags given on the command line win over them.
        const profileName = opts.profile ?? (opts.format ? null : defaultProfile(opts.data));
        if (!profileName && !opts.format) throw new TillsyncError('usage', 'say what to export: --format FORMAT or --profile NAME', { hint: 'e.g. --format fec, or create a profile: tillsync server profile add NAME --format sage --data DIR' });
        const profile = profileName ? { name: checkProfileName(profileName), profile: loadProfile(opts.data, profileName) } : null;
        if (profile && opts.format && opts.format !== profile.profile.format) throw new TillsyncError('usage', `--format ${opts.format} contradicts profile ${profile.name} (format ${profile.profile.format})`, { hint: 'leave out --format, or copy the profile for the other format' });
        const po = profile?.profile.options ?? {};
        opts.format ??= profile!.profile.format;
        opts.separator ??= po.separator ?? 'tab';
        opts.numbering ??= po.numbering ?? 'file';
        opts.encoding ??= po.encoding ?? 'latin9';
        if (!EXPORT_FORMATS.includes(opts.format as ExportFormat)) throw new TillsyncError('usage', `unknown export format "${opts.format}"`, { hint: `use --format ${EXPORT_FORMATS.join(', ')}` });
        if (!['tab', 'pipe'].includes(opts.separator ?? 'tab')) throw new TillsyncError('usage', `unknown separator "${opts.separator}"`, { hint: 'use --separator tab or pipe' });
        if (!['file', 'journal'].includes(opts.numbering ?? 'file')) throw new TillsyncError('usage', `unknown numbering "${opts.numbering}"`, { hint: 'use --numbering file or journal' });
        if (!['latin9', 'utf8'].includes(opts.encoding ?? 'latin9')) throw new TillsyncError('usage', `unknown encoding "${opts.encoding}"`, { hint: 'use --encoding latin9 or utf8' });
        if (opts.year === undefined && (!opts.from || !opts.to)) throw new TillsyncError('usage', 'say what to export: --year YYYY (a financial year) or --from YYYY-MM-DD --to YYYY-MM-DD (a period)', { hint: 'e.g. --year 2026, or --from 2026-11-01 --to 2026-11-30' });
        if (opts.year !== undefined && !/^\d{4}$/.test(opts.year)) throw new TillsyncError('usage', `--year "${opts.year}" is not a year`, { hint: 'e.g. --year 2026' });
        if (opts.decimalComma && opts.decimalPoint) throw new TillsyncError('usage', '--decimal-comma and --decimal-point contradict each other', { hint: 'give one of them' });
        return withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          let bar: ReturnType<typeof ctx.progress> | null = null;
          let shown = 0;
          const outcome = await runExport(sctx, {
            format: opts.format as ExportFormat,
            from: opts.from ?? '',
            to: opts.to ?? '',
            year: opts.year !== undefined ? Number(opts.year) : undefined,
            replace: opts.yes ? true : ctx.json || !process.stdin.isTTY || !process.stdout.isTTY ? false : (file) => confirm(`${file} exists: replace it with a new export of the year? [y/N] `),
            store: opts.store ?? null,
            out: opts.out ? resolve(opts.out) : undefined,
            includeExported: Boolean(opts.includeExported),
            separator: opts.separator as 'tab' | 'pipe',
            numbering: opts.numbering as 'file' | 'journal',
            encoding: opts.encoding as 'latin9' | 'utf8',
            decimalComma: opts.decimalComma ? true : opts.decimalPoint ? false : po.decimalComma,
            codesAsText: Boolean(opts.codesAsText ?? po.codesAsText),
            profile,
            withPdf: Boolean(opts.withPdf),
            trigger: 'manual',
            onProgress: (done, total) => {
              bar ??= ctx.progress('export', total);
              bar.tick(done - shown);
              shown = done;
              if (done >= total) bar.done();
            },
          });
          let mailed: string[] | null = null;
          if (opts.mailTo && outcome.status === 'written' && outcome.exportId !== null) {
            const auto = autoExportConfig(sctx.config, 'auto');
            if (!auto?.smtp) throw new TillsyncError('config', `export #${outcome.exportId} written but not mailed: no exports.auto.smtp in server.json`, { hint: `set it, then: tillsync server export-mail --data ${opts.data} --id ${outcome.exportId} --to ${opts.mailTo}` });
            mailed = (await mailExport(sctx, outcome.exportId, { smtp: auto.smtp, to: list(opts.mailTo), from: auto.mailFrom })).sentTo;
          }
          const text = outcomeText(outcome, describeProblem) + (mailed ? `\nmailed to ${mailed.join(', ')}` : '');
          return { data: { ...outcome, mailed }, text, exitCode: outcome.status === 'refused' ? 1 : 0 };
        });
      }),
    );

  server
    .command('export-reset')
    .description('make exported entries exportable again (by entry ids or ALL, by export run, or by piece)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--ids <ids>', 'entry ids separated by commas (e.g. 124,3,48), or ALL')
    .option('--export <ids>', 'every entry of these export runs (e.g. 7 or 7,8)')
    .option('--pieces <numbers>', 'entries of these pieces (invoice numbers)')
    .option('--profile <name>', 'only for this export profile: its export_marks are forgotten, other profiles and exports without a profile keep theirs')
    .action(
      run<{ data: string; db?: string; ids?: string; export?: string; pieces?: string; profile?: string }>(async (opts) => {
        const { parseIdList, resetExports } = await import('./export-reset.ts');
        const ids = opts.ids ? parseIdList(opts.ids) : undefined;
        const exportsIds = opts.export ? parseIdList(opts.export, '--export') : undefined;
        if (exportsIds === 'ALL') throw new TillsyncError('usage', '--export takes export numbers, not ALL', { hint: 'use --ids ALL to reset every entry' });
        const r = await withServer({ data: opts.data, db: opts.db }, (sctx) => resetExports(sctx, { ids, exports: exportsIds, pieces: opts.pieces ? list(opts.pieces) : undefined, profile: opts.profile ?? null }));
        return { data: r, text: r.reset ? `${r.reset} entries can be exported again${opts.profile ? ` by profile ${opts.profile}` : ''}` : 'no exported entry matched: nothing reset' };
      }),
    );

  server
    .command('export-mail')
    .description('mail a recorded export (and its invoice PDFs) again')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--id <n>', 'export number')
    .option('--to <emails>', 'recipients (default: exports.auto.mailTo)')
    .option('--smtp <url>', 'SMTP server (default: exports.auto.smtp)')
    .action(
      run<{ data: string; db?: string; id: string; to?: string; smtp?: string }>(async (opts) => {
        const id = Number(opts.id);
        if (!Number.isInteger(id) || id <= 0) throw new TillsyncError('usage', `--id "${opts.id}" is not an export number`, { hint: 'list them with tillsync server exports' });
        const { autoExportConfig, recipients } = await import('./auto-export.ts');
        const { mailExport } = await import('./export-mail.ts');
        return withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          const auto = autoExportConfig(sctx.config, 'auto');
          const smtp = opts.smtp ?? auto?.smtp;
          const to = opts.to ? list(opts.to) : auto ? recipients(auto) : [];
          if (!smtp) throw new TillsyncError('usage', 'no SMTP server to send through', { hint: 'give --smtp smtp://host:port or set exports.auto.smtp in server.json' });
          const r = await mailExport(sctx, id, { smtp, to, from: auto?.mailFrom });
          return { data: { exportId: id, ...r }, text: `export #${id} mailed to ${r.sentTo.join(', ')}` };
        });
      }),
    );

  server
    .command('exports')
    .description('list the exports written (newest first)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--limit <n>', 'how many', '20')
    .action(
      run<{ data: string; db?: string; limit: string }>(async (opts) =>
        withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          const rows = await sctx.db.selectFrom('exports').selectAll().orderBy('id', 'desc').limit(Math.max(1, Number(opts.limit) || 20)).execute();
          const text = rows.length
            ? rows.map((r) => `#${r.id} ${r.created_at.slice(0, 16)} ${r.format}${r.profile ? ` [${r.profile}]` : ''} ${r.date_from}..${r.date_to}${r.store ? ` ${r.store}` : ''} ${r.trigger}: ${r.entry_count} entries → ${r.file}${r.mailed_to ? ` (mailed to ${r.mailed_to})` : r.mail_error ? ` (mail failed: ${r.mail_error})` : ''}`).join('\n')
            : 'no export yet';
          return { data: rows, text };
        }),
      ),
    );

  server
    .command('invoice-pdf')
    .description('write invoices / credit notes as PDF/A with the legal mentions; Factur-X (EN 16931) for business customers')
    .argument('<numbers...>', 'document numbers')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--out <dir>', 'folder (default: DATA/invoices)')
    .action(
      run<{ data: string; db?: string; out?: string }>(async (opts, _ctx, args) => {
        const out = resolve(opts.out ?? join(opts.data, 'invoices'));
        const { produceInvoiceFiles } = await import('../einvoice/produce.ts');
        const { appendDayLog } = await import('../log-book.ts');
        return withServer({ data: opts.data, db: opts.db }, async (sctx) => {
          // Business customers' invoices and credit notes are Factur-X; consumers' stay plain PDF/A.
          const produced = await produceInvoiceFiles(sctx, args, out);
          const files = produced.files.map((f) => f.file);
          const missing = produced.missing;
          appendDayLog(opts.data, `INVOICE-PDF ${files.length} written to ${out}${missing.length ? `; unknown: ${missing.join(', ')}` : ''}`);
          const text = [...produced.files.map((f) => `written ${f.file}${f.facturX ? ' (Factur-X)' : ''}${f.error ? ` — not Factur-X: ${f.error}` : ''}`), ...(missing.length ? [`unknown document number${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (check the number: tillsync server status)`] : [])].join('\n');
          return { data: { files, facturX: produced.files.filter((f) => f.facturX).map((f) => f.file), missing }, text, exitCode: missing.length ? 1 : 0 };
        });
      }),
    );

  const profile = server.command('profile').description('export profiles DATA/profiles/NAME.json: one target (format + options) and one accountant\'s accounts, labels and analytics');
  const base = (c: Command) => c.requiredOption('--data <dir>', 'server data folder');

  base(profile.command('list').description('list the export profiles (* the default)')).action(
    run<{ data: string }>(async (opts) => {
      const { listProfiles } = await import('./profiles/profile-store.ts');
      const rows = listProfiles(opts.data);
      const text = rows.length ? rows.map((r) => `${r.default ? '*' : ' '} ${r.name} (${r.format})${r.error ? ` — invalid: ${r.error}` : ''}`).join('\n') : `no export profile yet (add one: tillsync server profile add NAME --format sage --data ${opts.data})`;
      return { data: rows, text };
    }),
  );

  base(profile.command('add').description('create a profile for a format (the books as posted; edit the file for accounts, labels, analytics)').argument('<name>'))
    .requiredOption('--format <format>', 'fec | exact | csv | sage | ebp | ciel | quadratus | cegid')
    .option('--from-file <json>', 'take the profile from this JSON file (validated)')
    .action(
      run<{ data: string; format: string; fromFile?: string }>(async (opts, _ctx, args) => {
        const { addProfile, newProfile } = await import('./profiles/profile-store.ts');
        const { readFileSync } = await import('node:fs');
        let p = newProfile(opts.format);
        if (opts.fromFile) {
          try {
            p = { ...JSON.parse(readFileSync(opts.fromFile, 'utf8')), format: opts.format };
          } catch (e) {
            throw new TillsyncError('profile-invalid', `${opts.fromFile}: not a JSON profile (${(e as Error).message})`, { hint: 'see docs/exports.md, section Export profiles' });
          }
        }
        const file = addProfile(opts.data, args[0], p);
        return { data: { name: args[0], file }, text: `wrote ${file} (check it with: tillsync server config check --data ${opts.data} --profile ${args[0]})` };
      }),
    );

  base(profile.command('copy').description('copy a profile under a new name').argument('<from>').argument('<to>')).action(
    run<{ data: string }>(async (opts, _ctx, args) => {
      const { copyProfile } = await import('./profiles/profile-store.ts');
      const file = copyProfile(opts.data, args[0], args[1]);
      return { data: { name: args[1], file }, text: `copied ${args[0]} to ${file}` };
    }),
  );

  base(profile.command('rename').description('rename a profile (what it exported stays marked under its old name: reset or re-export deliberately)').argument('<from>').argument('<to>')).action(
    run<{ data: string }>(async (opts, _ctx, args) => {
      const { renameProfile } = await import('./profiles/profile-store.ts');
      const file = renameProfile(opts.data, args[0], args[1]);
      return { data: { name: args[1], file }, text: `renamed ${args[0]} to ${file}` };
    }),
  );

  base(profile.command('remove').description('delete a profile file (its exports stay recorded)').argument('<name>')).action(
    run<{ data: string }>(async (opts, _ctx, args) => {
      const { removeProfile } = await import('./profiles/profile-store.ts');
      removeProfile(opts.data, args[0]);
      return { data: { removed: args[0] }, text: `removed export profile ${args[0]}` };
    }),
  );

  base(profile.command('default').description('show the default profile, or make NAME the default (used by server export without --format)').argument('[name]')).action(
    run<{ data: string }>(async (opts, _ctx, args) => {
      const { defaultProfile, setDefaultProfile } = await import('./profiles/profile-store.ts');
      if (args[0]) setDefaultProfile(opts.data, args[0]);
      const name = defaultProfile(opts.data);
      return { data: { default: name }, text: name ? `default export profile: ${name}` : 'no default export profile' };
    }),
  );
}
