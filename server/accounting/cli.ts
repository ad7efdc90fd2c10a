import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';
import { parseCustomerRange, parseExclude, parseTicketRange, parseTillRange, parseUntil } from '../integration/filters.ts';
import type { PostingRequest } from './posting-run.ts';

interface Base {
  data: string;
  db?: string;
}

interface PostOpts extends Base {
  until: string;
  mode?: string;
  grouping?: string;
  tills?: string;
  customers?: string;
  tickets?: string;
  exclude?: string[];
}

export function postingRequest(o: Omit<PostOpts, 'data' | 'db'>): PostingRequest {
  if (o.mode && o.mode !== 'direct' && o.mode !== 'classic') throw new TillsyncError('usage', `--mode ${o.mode} is not a posting mode`, { hint: 'use --mode direct or --mode classic' });
  if (o.grouping && o.grouping !== 'customer' && o.grouping !== 'account') throw new TillsyncError('usage', `--grouping ${o.grouping} is not a grouping`, { hint: 'use --grouping customer or --grouping account' });
  if (o.mode === 'classic' && o.grouping === 'account') throw new TillsyncError('usage', '--grouping account applies to direct posting only', { hint: 'classic posting makes one sales entry per document: drop --grouping, or use --mode direct' });
  const r: PostingRequest = { until: parseUntil(o.until) };
  if (o.mode) r.mode = o.mode as PostingRequest['mode'];
  if (o.grouping) r.grouping = o.grouping as PostingRequest['grouping'];
  if (o.tills) r.tills = parseTillRange(o.tills);
  if (o.customers) r.customers = parseCustomerRange(o.customers);
  if (o.tickets) r.tickets = parseTicketRange(o.tickets);
  const exclude = parseExclude(o.exclude);
  if (exclude.length) r.exclude = exclude;
  return r;
}

/** `tillsync server` verbs of server/accounting/: config, post, letter, open-items. */
export function registerAccountingCommands(server: Command): void {
  const config = server.command('config').description('the accounting mapping DATA/accounting.json: init, check, import-accounts');

  config
    .command('init')
    .description('write the default accounting mapping (seed values: 410000 / 0000002, journals 70 30 CA HA, VAT VN VR VS VP)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--force', 'overwrite an existing mapping')
    .action(
      run<Base & { force?: boolean }>(async (opts) => {
        const { MAPPING_COMMENT, mappingPath, writeMapping } = await import('./mapping.ts');
        const { defaultMapping } = await import('./default-mapping.ts');
        const p = mappingPath(opts.data);
        if (existsSync(p) && !opts.force) throw new TillsyncError('exists', `${p} already exists`, { hint: 'edit it, or rewrite the defaults with --force' });
        writeMapping(opts.data, { $comment: MAPPING_COMMENT, ...defaultMapping() });
        return { data: { file: p }, text: `wrote ${p} (check it with: tillsync server config check --data ${opts.data})` };
      }),
    );

  config
    .command('check')
    .description('list every missing or inconsistent setting of the accounting mapping (or of one export profile with --profile), with where to fix it; exits 1 when posting (or that export) would be refused')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--profile <name>', 'check the export profile DATA/profiles/NAME.json instead (schema, payment modes, VAT codes, accounts, generated-account collisions)')
    .action(
      run<Base & { profile?: string }>(async (opts, ctx) => {
        if (opts.profile) {
          const { checkProfile, renderProfileCheck } = await import('../exports/profiles/profile-check.ts');
          const { loadBaseData } = await import('../base-data.ts');
          const { loadMapping, mappingPath } = await import('./mapping.ts');
          const mapping = existsSync(mappingPath(opts.data)) ? loadMapping(opts.data) : null;
          const base = await withServer({ data: opts.data, db: opts.db }, async (s) => loadBaseData(s.db));
          const c = checkProfile(opts.data, opts.profile, mapping, base);
          return { data: c, text: renderProfileCheck(c), exitCode: c.ok ? 0 : 1 };
        }
        const { ensureMapping, mappingPath, readMappingJson } = await import('./mapping.ts');
        const { loadBaseData } = await import('../base-data.ts');
        const { checkMapping, renderCheck, withIdentityChecks, withIssues } = await import('./config-check.ts');
        const { precisionIssues, tillPrecisions } = await import('./till-precision.ts');
        if (ensureMapping(opts.data)) ctx.say(`created ${mappingPath(opts.data)} from the defaults`);
        const json = readMappingJson(opts.data);
        const { base, tills } = await withServer({ data: opts.data, db: opts.db }, async (s) => ({ base: await loadBaseData(s.db), tills: await tillPrecisions(s.db) }));
        const checked = withIdentityChecks(checkMapping(json, base), base);
        // The tills' decimals against the books' (only once the mapping itself reads).
        const r = checked.mapping ? withIssues(checked, precisionIssues(tills, checked.mapping.rounding.decimals)) : checked;
        const { mapping: _m, ...data } = r;
        return { data: { file: mappingPath(opts.data), ...data }, text: renderCheck(r, mappingPath(opts.data)), exitCode: r.ok ? 0 : 1 };
      }),
    );

  config
    .command('import-accounts')
    .description('add the accounts and journals of a CSV exported by the accounting software to the mapping (duplicates ignored)')
    .requiredOption('--data <dir>', 'server data folder')
    .argument('<file>', 'CSV: a header naming type / number / label columns, or number;label lines (all accounts)')
    .action(
      run<Base>(async (opts, _ctx, args) => {
        const file = args[0];
        if (!existsSync(file)) throw new TillsyncError('not-found', `no file ${file}`, { hint: 'give the path of the CSV exported by the accounting software' });
        const { loadMapping, mappingPath, writeMapping } = await import('./mapping.ts');
        const { decodeText, mergeImport, parseAccountsCsv } = await import('./accounts-import.ts');
        const mapping = loadMapping(opts.data);
        const { mapping: merged, report } = mergeImport(mapping, parseAccountsCsv(decodeText(readFileSync(file))));
        if (report.added.length) writeMapping(opts.data, merged);
        const text = [
          `${file}: ${report.added.filter((x) => x.kind === 'account').length} account(s) and ${report.added.filter((x) => x.kind === 'journal').length} journal(s) added, ${report.ignored.length} duplicate(s) ignored, ${report.malformed.length} malformed line(s)`,
          ...report.ignored.map((x) => `  line ${x.line}: ${x.kind} ${x.code} ignored (${x.reason})`),
          ...report.malformed.map((x) => `  line ${x.line}: ${x.reason}: ${x.text}`),
        ].join('\n');
        return { data: { file, mapping: mappingPath(opts.data), ...report }, text, exitCode: report.malformed.length ? 1 : 0 };
      }),
    );

  server
    .command('post')
    .description('post integrated documents and payments: sales and treasury entries, settlement items, lettering (one undoable batch)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--until <date>', 'last business day posted, YYYY-MM-DD, today or yesterday')
    .option('--mode <mode>', 'direct (entries from the till) or classic (invoices as the commercial side posts them); default from accounting.json')
    .option('--grouping <grouping>', 'customer (one entry per customer) or account (one entry per collective account, piece *TPV…); default from accounting.json')
    .option('--tills <range>', 'till range, inclusive: 01-05')
    .option('--customers <range>', 'customer range, inclusive: C0000001-C0000009 (FROM..TO if codes contain a dash)')
    .option('--tickets <range>', 'ticket number range: documents whose tickets all fall inside')
    .option('--exclude <number...>', 'leave these documents (F00000003) or payment-only tickets (S1-01-00000042) out of this run, repeated or comma-separated; they stay for the next run')
    .action(
      run<PostOpts>(async (opts, ctx) => {
        const req = postingRequest(opts);
        const { renderPosting, runPosting } = await import('./posting-run.ts');
        return withServer({ data: opts.data, db: opts.db }, async (s) => {
          let bar: ReturnType<typeof ctx.progress> | null = null;
          let shown = 0;
          try {
            const summary = await runPosting(s.db, s.data, req, {
              onStart: (n) => {
                if (n > 5000) bar = ctx.progress('post', n);
              },
              onProgress: (done) => {
                bar?.tick(done - shown);
                shown = done;
              },
            });
            return { data: summary, text: renderPosting(summary).replace('server undo --batch', `server undo --data ${opts.data} --batch`) };
          } finally {
            (bar as ReturnType<typeof ctx.progress> | null)?.done();
          }
        });
      }),
    );

  server
    .command('letter')
    .description('letter customer lines left unlettered (posting letters as it goes; this repairs and reports)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .action(
      run<Base>(async (opts) => {
        const { describeLettering, runLettering } = await import('./lettering-run.ts');
        const s = await withServer({ data: opts.data, db: opts.db }, (srv) => runLettering(srv.db, srv.data));
        return { data: s, text: describeLettering(s) };
      }),
    );

  server
    .command('open-items')
    .description('what each customer still owes: lines not fully lettered and open settlement items')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--customer <code>', 'one customer (all customers sharing its third-party account are shown)')
    .action(
      run<Base & { customer?: string }>(async (opts) => {
        const { openItems, renderOpenItems } = await import('./open-items.ts');
        const r = await withServer({ data: opts.data, db: opts.db }, (srv) => openItems(srv.db, srv.data, { customer: opts.customer }));
        return { data: r, text: renderOpenItems(r) };
      }),
    );
}
