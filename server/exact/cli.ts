import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';

interface Base {
  data: string;
  db?: string;
}

interface ConnectOpts extends Base {
  clientId?: string;
  clientSecret?: string;
  baseUrl: string;
  redirectUri?: string;
  division?: string;
  paste?: boolean;
  wait: string;
  webhookSecret?: string;
  webhookUrl?: string;
  pullEvery?: string;
}

interface PushOpts extends Base {
  from: string;
  to: string;
  store?: string;
  numbers?: string;
  journal?: string;
  pdf: boolean;
}

const positive = (flag: string, v: string | undefined): number | null => {
  if (v === undefined) return null;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new TillsyncError('usage', `${flag} ${v} is not a positive whole number`, { hint: `e.g. ${flag} 15` });
  return Number(v);
};

/** `tillsync server exact …`: the live Exact Online link (server/exact/). */
export function registerExactCommands(server: Command): void {
  const exact = server.command('exact').description('the live Exact Online link: connect, status, disconnect, division, import-accounts, import-journals, push, pull-payments');

  exact
    .command('connect')
    .description("connect to an Exact Online division (OAuth 2 authorisation code): open the printed address, allow the app; the code comes back to server start's /exact/callback, or paste it with --paste")
    .requiredOption('--data <dir>', 'server data folder')
    .option('--client-id <id>', 'client ID of your app in the Exact App Center (default: the one already saved)')
    .option('--client-secret <secret>', 'client secret of that app (default: the one already saved; or TILLSYNC_EXACT_CLIENT_SECRET)')
    .option('--base-url <url|country>', 'Exact Online host: nl, be, fr, uk, de, es, us or a URL', 'fr')
    .option('--redirect-uri <url>', "redirect URI registered for the app (default: http://127.0.0.1:PORT/exact/callback of server start)")
    .option('--division <n>', 'division to use (required when the user has several)')
    .option('--paste', 'no browser on this server: print the address, then read the code (or the whole address the browser ends on) from the terminal')
    .option('--wait <seconds>', 'how long to wait for the callback', '600')
    .option('--webhook-secret <secret>', "webhook secret of the app (Exact App Center): payments come back by webhook to server start's /exact/webhook")
    .option('--webhook-url <url>', 'public HTTPS address of /exact/webhook that Exact calls (subscribed by server start)')
    .option('--pull-every <minutes>', 'server start pulls payments from Exact every N minutes')
    .action(
      run<ConnectOpts>(async (opts, ctx) => {
        const { beginConnect, completeConnect, readPasted } = await import('./connect.ts');
        const { hasConnection, readConnection } = await import('./connection-store.ts');
        const { readServerConfig } = await import('../context.ts');
        const before = hasConnection(opts.data) ? readConnection(opts.data) : null;
        const clientId = opts.clientId ?? before?.clientId;
        const clientSecret = opts.clientSecret ?? process.env.TILLSYNC_EXACT_CLIENT_SECRET ?? before?.clientSecret;
        if (!clientId || !clientSecret) throw new TillsyncError('usage', 'the client id and client secret of your Exact app are needed', { hint: 'give --client-id and --client-secret (Exact App Center, docs/exact-online.md)' });
        const port = readServerConfig(opts.data).port;
        const redirectUri = opts.redirectUri ?? before?.redirectUri ?? `http://127.0.0.1:${port}/exact/callback`;
        const { url } = await beginConnect(opts.data, {
          clientId, clientSecret, redirectUri, baseUrl: opts.baseUrl, division: positive('--division', opts.division),
          webhookSecret: opts.webhookSecret ?? null, webhookUrl: opts.webhookUrl ?? null, pullMinutes: positive('--pull-every', opts.pullEvery),
        });
        if (opts.paste) {
          process.stderr.write(`Open this address in a browser, sign in to Exact Online and allow the app:\n\n  ${url}\n\nThen paste the code (or the whole address the browser ends on): `);
          const { createInterface } = await import('node:readline');
          const rl = createInterface({ input: process.stdin });
          const line = await new Promise<string>((resolve) => {
            rl.once('line', resolve);
            rl.once('close', () => resolve(''));
          });
          rl.close();
          if (!line.trim()) throw new TillsyncError('usage', 'no code pasted', { hint: 'run connect --paste again and paste the code' });
          const { code, state } = readPasted(line);
          const out = await completeConnect(opts.data, code, state);
          return { data: out, text: out.message };
        }
        ctx.say(`Open this address in a browser, sign in to Exact Online and allow the app (server start must be running to take the answer at ${redirectUri}):\n\n  ${url}\n`);
        const deadline = Date.now() + (positive('--wait', opts.wait) ?? 600) * 1000;
        while (Date.now() < deadline) {
          const c = readConnection(opts.data);
          if (!c.pendingState && c.refreshToken) {
            const out = { division: c.division, divisionName: c.divisionName, accessExpiresAt: c.accessExpiresAt };
            return { data: out, text: c.division === null ? `connected to Exact Online; choose the division: tillsync server exact division --data ${opts.data} NUMBER` : `connected to Exact Online, division ${c.division} ${c.divisionName ?? ''}`.trim() };
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        throw new TillsyncError('exact-timeout', `no answer from Exact Online at ${redirectUri} within ${opts.wait} s`, { hint: 'is server start running and the redirect URI the one registered in the App Center? Or use --paste' });
      }),
    );

  exact
    .command('status')
    .description('connection, division, token expiry, rate-limit headroom')
    .requiredOption('--data <dir>', 'server data folder')
    .action(
      run<Base>(async (opts) => {
        const { exactStatus, renderStatus } = await import('./connect.ts');
        const s = exactStatus(opts.data);
        return { data: s, text: renderStatus(s, opts.data) };
      }),
    );

  exact
    .command('disconnect')
    .description('forget the link: tokens and secrets removed from this server (revoke the app in Exact too)')
    .requiredOption('--data <dir>', 'server data folder')
    .action(
      run<Base>(async (opts) => {
        const { disconnect } = await import('./connect.ts');
        const done = disconnect(opts.data);
        return { data: { disconnected: done }, text: done ? 'Exact Online disconnected: tokens removed (revoke the app in Exact Online too if it should stop for good)' : 'Exact Online was not connected' };
      }),
    );

  exact
    .command('division')
    .description('list the divisions of the connected user; with a number, choose it')
    .requiredOption('--data <dir>', 'server data folder')
    .argument('[number]', 'division to use')
    .action(
      run<Base>(async (opts, _ctx, args) => {
        const { chooseDivision, listDivisions } = await import('./connect.ts');
        const { ExactApi } = await import('./exact-api.ts');
        if (args[0] !== undefined) {
          const d = await chooseDivision(opts.data, positive('division', args[0])!);
          return { data: d, text: `division ${d.code} ${d.name} chosen` };
        }
        const list = await listDivisions(new ExactApi(opts.data));
        return { data: list, text: list.map((d) => `${d.code}  ${d.name}`).join('\n') };
      }),
    );

  exact
    .command('import-accounts')
    .description("add Exact's general ledger accounts to the mapping: sales (revenue) accounts only unless --all; duplicates skipped")
    .requiredOption('--data <dir>', 'server data folder')
    .option('--all', 'every account of the chart, not only the sales accounts (400+ in a standard chart)')
    .action(
      run<Base & { all?: boolean }>(async (opts) => {
        const { ExactApi } = await import('./exact-api.ts');
        const { importAccounts, renderChartImport } = await import('./chart-import.ts');
        const api = new ExactApi(opts.data);
        const o = await importAccounts(api, opts.data, { all: opts.all });
        await api.saveRate();
        return { data: o, text: renderChartImport(o), exitCode: o.malformed.length ? 1 : 0 };
      }),
    );

  exact
    .command('import-journals')
    .description("add Exact's journals to the mapping; duplicates skipped and reported")
    .requiredOption('--data <dir>', 'server data folder')
    .action(
      run<Base>(async (opts) => {
        const { ExactApi } = await import('./exact-api.ts');
        const { importJournals, renderChartImport } = await import('./chart-import.ts');
        const api = new ExactApi(opts.data);
        const o = await importJournals(api, opts.data);
        await api.saveRate();
        return { data: o, text: renderChartImport(o), exitCode: o.malformed.length ? 1 : 0 };
      }),
    );
  exact
    .command('push')
    .description('send the posted invoices and credit notes not yet exported to Exact Online: customers (by code), one sales entry each, the PDF (Factur-X) attached; never twice')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--from <date>', 'first accounting day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last accounting day, YYYY-MM-DD')
    .option('--store <code>', 'only the documents of this store')
    .option('--numbers <range>', 'only these invoice numbers, inclusive: F00000001-F00000020 (FROM..TO if numbers contain a dash)')
    .option('--journal <code>', 'only the entries of this journal')
    .option('--no-pdf', 'do not attach the invoice PDFs')
    .action(
      run<PushOpts>(async (opts, ctx) => {
        const { parseNumberRange, pushToExact, renderPush } = await import('./push.ts');
        const numbers = opts.numbers ? parseNumberRange(opts.numbers) : null;
        return withServer({ data: opts.data, db: opts.db }, async (s) => {
          let bar: ReturnType<typeof ctx.progress> | null = null;
          try {
            const o = await pushToExact(s, {
              from: opts.from, to: opts.to, store: opts.store ?? null, numbers, journal: opts.journal ?? null, withPdf: opts.pdf, trigger: 'manual',
              onProgress: (_done, total) => {
                bar ??= ctx.progress('exact push', total);
                bar.tick();
              },
            });
            return { data: o, text: renderPush(o), exitCode: o.status === 'refused' || o.status === 'partial' ? 1 : 0 };
          } finally {
            (bar as ReturnType<typeof ctx.progress> | null)?.done();
          }
        });
      }),
    );

  exact
    .command('pull-payments')
    .description('payments registered in Exact Online (receivables settled) letter the matching open items, by the bank statements\' rules; unmatched ones listed, nothing guessed')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .action(
      run<Base>(async (opts) => {
        const { ExactApi } = await import('./exact-api.ts');
        const { pullPayments, renderPull } = await import('./pull-payments.ts');
        const api = new ExactApi(opts.data);
        const o = await withServer({ data: opts.data, db: opts.db }, (s) => pullPayments(s.db, s.data, api));
        return { data: o, text: renderPull(o, opts.data) };
      }),
    );
}
