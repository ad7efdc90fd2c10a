import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { run } from '../cli/output.ts';
import { TillsyncError } from '../sync/errors.ts';
import type { Closure, PackageKind } from '../sync/types.ts';
import { registerApplyBaseCommand } from './apply-base-cli.ts';
import { registerFiscalCommands } from './fiscal-cli.ts';
import { splitList } from './address-list.ts';
import { forwardToTill, requireData, viaTill, withOwnStore } from './open-till.ts';
import { runningTill } from './lock.ts';
import { closureText, statusText, ticketText } from './render.ts';
import type { ExtractResult, TillStatus } from './till-service.ts';
import type { FlaggedTicket } from './store/till-store.ts';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new TillsyncError('usage', 'till sell reads the sale as JSON on stdin', { hint: `e.g. echo '{"lines":[{"article":"A000001","qty":1}],"payments":[{"mode":"ESP","amount":"12.50"}]}' | tillsync till sell --data DIR` });
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TillsyncError('bad-json', `${where} is not valid JSON: ${(e as Error).message}`, { hint: 'send one JSON object like {"lines":[…],"payments":[…]}' });
  }
}

function intOption(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${v}" is not a whole number`);
  return n;
}

/** `tillsync till …` (client/ owns these). */
export function registerTillCommands(till: Command): void {
  till
    .command('init')
    .description('create or update a till: identity, server, base data (none unless --base or --demo-base: it then comes from the server)')
    .requiredOption('--data <dir>', 'till folder')
    .option('--enrolment <string>', 'the line printed by tillsync server enroll-till: server, store, till, auth secret, certificate fingerprint')
    .option('--store <code>', 'store code, e.g. S1 (from --enrolment when given)')
    .option('--till <code>', 'till code, e.g. 01 (from --enrolment when given)')
    .option('--server <url>', 'store server, e.g. https://192.168.1.10:8480 (none: every ticket stays untransferred until packaged)')
    .option('--server-fingerprint <sha256>', "pin the server's TLS certificate (printed by tillsync server init)")
    .option('--insecure-http', 'allow plain http:// to a server on another machine (flagged in status and the log)')
    .option('--secret <secret>', 'auth secret given by the server at enrolment (prefer --enrolment)')
    .option('--base <file.json>', 'base data JSON (vatRates, articles, customers, paymentModes, company)')
    .option('--demo-base', "a new till starts with the demo store's base data (French fixtures): for trying tillsync by hand")
    .option('--articles <n>', 'number of demo articles (implies --demo-base)', intOption)
    .option('--decimals <n>', 'amount decimals: 2, 3 or 4 (first init only)', intOption)
    .option('--vat-on <where>', 'round VAT per "line" or on the "total" (first init only)')
    .option('--send-to <list>', 'destinations the register page may send packages to, comma separated: drop folders, http(s):// URLs, mail addresses (replaces the list; the --server is always one)')
    .option('--send-smtp <url>', 'mail server for the --send-to mail addresses, e.g. smtp://mail.shop.example:25')
    .action(
      run(async (opts, ctx) => {
        const data = requireData(opts.data);
        const running = runningTill(data);
        if (running) throw new TillsyncError('store-busy', `till start (pid ${running.pid}) holds ${data}`, { hint: 'stop it before running init' });
        if (opts.decimals !== undefined && ![2, 3, 4].includes(opts.decimals)) throw new TillsyncError('usage', '--decimals must be 2, 3 or 4');
        if (opts.vatOn !== undefined && !['line', 'total'].includes(opts.vatOn)) throw new TillsyncError('usage', '--vat-on must be line or total');
        const { initTill, readBaseFile } = await import('./init.ts');
        if (opts.enrolment) {
          const e = (await import('../sync/enrolment.ts')).decodeEnrolment(opts.enrolment);
          for (const [flag, mine, theirs] of [['--store', opts.store, e.store], ['--till', opts.till, e.till]] as const) {
            if (mine && mine !== theirs) throw new TillsyncError('usage', `${flag} ${mine} disagrees with the enrolment string (${theirs})`, { hint: `drop ${flag}: the enrolment string says it` });
          }
          Object.assign(opts, { store: e.store, till: e.till, server: opts.server ?? e.url, secret: e.secret, serverFingerprint: opts.serverFingerprint ?? e.fingerprint });
        }
        if (!opts.store || !opts.till) throw new TillsyncError('usage', 'say which till this is: --enrolment STRING, or --store and --till', { hint: 'copy the enrolment string printed by tillsync server enroll-till' });
        const result = await withOwnStore(
          data,
          'till init',
          async (svc) => {
            let base = opts.base ? readBaseFile(opts.base) : undefined;
            const demo = !base && !svc.store.identity && (opts.demoBase || opts.articles !== undefined);
            if (demo) base = (await import('../fixtures/store.ts')).demoBaseData(opts.articles ?? 300);
            let bar: ReturnType<typeof ctx.progress> | null = null;
            let reported = 0;
            const r = await initTill(svc.store, { store: opts.store, till: opts.till, server: opts.server, secret: opts.secret, serverFingerprint: opts.serverFingerprint, insecureHttp: opts.insecureHttp, base, decimals: opts.decimals, vatOn: opts.vatOn }, (total, done) => {
              bar ??= ctx.progress('base data', total);
              bar.tick(done - reported);
              reported = done;
            });
            if (bar) (bar as ReturnType<typeof ctx.progress>).done();
            // Every init is a journal event (NF525: configuration change).
            await svc.journal.record('config-change', { what: r.created ? 'init' : 'update', store: r.identity.store, till: r.identity.till, server: r.identity.serverUrl, rounding: r.identity.rounding, baseItems: r.baseItems });
            if (r.baseItems) await svc.journal.record('base-applied', { source: opts.base ?? 'demo fixtures', items: r.baseItems });
            return r;
          },
          { requireInit: false },
        );
        const id = result.identity;
        if (opts.sendTo !== undefined || opts.sendSmtp !== undefined) {
          const { parseSendTo, readSendDestinations, writeSendDestinations } = await import('./send-destinations.ts');
          const cur = readSendDestinations(data);
          const next = opts.sendTo !== undefined ? parseSendTo(splitList(opts.sendTo), opts.sendSmtp ?? cur.smtp) : { ...cur, smtp: opts.sendSmtp };
          writeSendDestinations(data, next);
        }
        const { allowedDestinations } = await import('./send-destinations.ts');
        const dest = allowedDestinations(data, id.serverUrl);
        // The signing key is made here, on the till, and never leaves it.
        const { loadOrCreateTillSigningKey, signingPublicKeyPath } = await import('./till-signing-key.ts');
        const key = loadOrCreateTillSigningKey(data);
        const { keyFingerprint } = await import('../sync/till-keys.ts');
        return {
          data: { data, store: id.store, till: id.till, server: id.serverUrl, serverFingerprint: id.serverFingerprint ?? null, insecureHttp: Boolean(id.insecureHttp), secret: id.secret, keyId: key.keyId, keyFingerprint: keyFingerprint(key.publicKeyPem), created: result.created, baseItems: result.baseItems, rounding: id.rounding, sendTo: dest },
          text: [
            `${result.created ? 'Initialised' : 'Updated'} till ${id.store}-${id.till} in ${data}`,
            `  server: ${id.serverUrl ?? 'none (tickets stay untransferred until extracted and sent)'}${id.serverFingerprint ? ` (certificate pinned: ${id.serverFingerprint})` : ''}${id.insecureHttp ? '  WARNING: plain HTTP allowed (--insecure-http)' : ''}`,
            `  signing key: ${keyFingerprint(key.publicKeyPem)} (${signingPublicKeyPath(data)}; the private key never leaves this till)`,
            `  base data: ${result.baseItems ? `${result.baseItems} items loaded` : 'unchanged'}`,
            `  send to: ${[...dest.lan, ...dest.mail].join(', ') || 'nothing configured (--send-to)'}${dest.mail.length ? ` via ${dest.smtp}` : ''}`,
          ].join('\n'),
        };
      }),
    );

  till
    .command('sell')
    .description('sell one ticket read as JSON on stdin; prints the stored ticket once it is durable')
    .requiredOption('--data <dir>', 'till folder')
    .option('--input <file>', 'read the sale JSON from this file instead of stdin')
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        const input = parseJson(opts.input ? readFileSync(opts.input, 'utf8') : await readStdin(), opts.input ?? 'stdin');
        const ticket = await viaTill<FlaggedTicket>(
          data,
          'till sell',
          (lock) => forwardToTill(lock, 'POST', '/sell', input),
          (svc) => svc.sell(input),
        );
        return { data: ticket, text: ticketText(ticket) };
      }),
    );

  till
    .command('status')
    .description('last number, counts (degraded, untransferred, packaged, acknowledged), last server contact, last closure')
    .requiredOption('--data <dir>', 'till folder')
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        // Answered from the status snapshot while the store is unchanged (no RxDB to load), else from the store.
        const { statusFromSnapshot } = await import('./status-from-snapshot.ts');
        const s = await viaTill<TillStatus>(data, 'till status', (lock) => forwardToTill(lock, 'GET', '/status'), (svc) => svc.status(), { checkHealth: true, withoutStore: () => statusFromSnapshot(data) });
        return { data: s, text: statusText(s) };
      }),
    );

  till
    .command('rotate-key')
    .description("replace the till's signing key: the old key signs the change (the server learns the new key on next contact or from the next package)")
    .requiredOption('--data <dir>', 'till folder')
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        const running = runningTill(data);
        if (running) throw new TillsyncError('store-busy', `till start (pid ${running.pid}) holds ${data}`, { hint: 'stop it, rotate the key, start it again' });
        const { rotateKeyJournalled } = await import('./key-rotation.ts');
        const { keyFingerprint } = await import('../sync/till-keys.ts');
        const { id, r } = await withOwnStore(data, 'till rotate-key', async (svc) => ({ id: svc.identity, r: await rotateKeyJournalled(svc) }));
        return {
          data: { oldKeyId: r.oldKeyId, keyId: r.key.keyId, keyFingerprint: keyFingerprint(r.key.publicKeyPem), change: r.change, journalEvent: r.eventId },
          text: `till ${id.store}-${id.till}: signing key ${r.oldKeyId} retired, new key ${keyFingerprint(r.key.publicKeyPem)} chained to it by a signed key change, journalled as ${r.eventId ?? '(journal event not written: see the day log)'} (the server learns it on next contact or from the next package)`,
        };
      }),
    );

  till
    .command('close')
    .description('make and store a signed closure: the Z report of the tickets sold since the last one (day), or the monthly or fiscal-year closure')
    .requiredOption('--data <dir>', 'till folder')
    .option('--period <kind>', 'day (default), month or year', 'day')
    .option('--month <YYYY-MM>', 'with --period month: the month to close (default: the earliest one still open)')
    .option('--year <YYYY>', 'with --period year: the fiscal year to close (default: the earliest one still open); writes its archive')
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        const body = { period: opts.period, month: opts.month, year: opts.year };
        const c = await viaTill<Closure & { archive?: string | null; resumed?: boolean }>(data, 'till close', (lock) => forwardToTill(lock, 'POST', '/close', body), async (svc) => (await import('./period-closing.ts')).closeAny(svc, body));
        const extra = [c.resumed ? '  (finished a closure a crash had interrupted)' : '', c.archive ? `  fiscal-year archive ${c.archive}` : ''].filter(Boolean);
        return { data: c, text: [closureText(c), ...extra].join('\n') };
      }),
    );

  till
    .command('extract')
    .description('write the TicDeg (degraded) or TicDep (untransferred) package of tickets the server has not acknowledged')
    .requiredOption('--data <dir>', 'till folder')
    .requiredOption('--kind <kind>', 'degraded | untransferred')
    .option('--include-sent', 'also take tickets already packaged (but still not acknowledged)')
    .requiredOption('--out <dir>', 'folder to write the package into')
    .action(
      run(async (opts, ctx) => {
        const data = requireData(opts.data);
        const args = { kind: opts.kind as PackageKind, includeSent: Boolean(opts.includeSent), out: absolute(opts.out) };
        // A progress bar when this command owns the store (a running till extracts on its own).
        let bar: ReturnType<typeof ctx.progress> | null = null;
        let shown = 0;
        const onProgress = (done: number, total: number) => {
          if (total < 10_000) return;
          bar ??= ctx.progress('extract', total);
          bar.tick(done - shown);
          shown = done;
        };
        try {
          const r = await viaTill<ExtractResult>(data, 'till extract', (lock) => forwardToTill(lock, 'POST', '/extract', args), (svc) => svc.extract({ ...args, onProgress }));
          return { data: r, text: r.message };
        } finally {
          (bar as ReturnType<typeof ctx.progress> | null)?.done();
        }
      }),
    );

  till
    .command('send')
    .description('send a package over the LAN (folder or server URL) or by mail')
    .argument('<file>', 'package file (TicDeg… / TicDep… .zip)')
    .requiredOption('--data <dir>', 'till folder')
    .option('--lan <dirOrUrl>', 'drop folder (atomic copy) or http(s):// server URL (upload)')
    .option('--mail <addresses>', 'recipients, comma separated')
    .option('--smtp <url>', 'mail server, e.g. smtp://mail.example.com:25')
    .option('--from <address>', 'sender address for mail')
    .action(
      run(async (opts, _ctx, args) => {
        const data = requireData(opts.data);
        const file = absolute(args[0]);
        const body = { file, lan: opts.lan, mail: opts.mail ? splitList(opts.mail) : undefined, smtp: opts.smtp, from: opts.from };
        const r = await viaTill<any>(data, 'till send', (lock) => forwardToTill(lock, 'POST', '/send', body), (svc) => svc.send(file, body));
        return { data: r, text: `sent ${r.file} by ${r.channel} to ${r.target}` };
      }),
    );

  till
    .command('tickets')
    .description('the latest tickets with their flags (degraded, packaged, acknowledged, document number)')
    .requiredOption('--data <dir>', 'till folder')
    .option('--limit <n>', 'how many (newest first)', intOption, 20)
    .action(
      run(async (opts) => {
        const data = requireData(opts.data);
        const r = await viaTill<{ tickets: FlaggedTicket[] }>(data, 'till tickets', (lock) => forwardToTill(lock, 'GET', `/tickets?limit=${opts.limit}`), async (svc) => ({ tickets: await svc.tickets(opts.limit) }));
        const text = r.tickets
          .map((t) => `${t.id}  ${t.soldAt}  ${t.totals.due.padStart(10)}  ${t.customer.padEnd(10)} ${t.degraded ? 'degraded ' : ''}${t.acknowledgedAt ? `acknowledged${t.documentNumber ? ` → ${t.documentNumber}` : ''}` : t.packagedIn ? `packaged in ${t.packagedIn}` : 'untransferred'}`)
          .join('\n');
        return { data: r, text: text || 'no tickets yet' };
      }),
    );

  till
    .command('start')
    .description('run the till: local API and cashier page, server health checks, replication')
    .requiredOption('--data <dir>', 'till folder')
    .option('--port <n>', 'local API port (0 = any free port)', intOption, 8470)
    .option('--host <host>', 'address to listen on (loopback; any other address needs --allow-lan)', '127.0.0.1')
    .option('--allow-lan', 'allow a --host that is not loopback: the register page and its API then face the LAN')
    .option('--pull-interval <ms>', 'how often acks and base data are pulled', intOption, 5000)
    .option('--push-page <n>', 'tickets per request when pushing a backlog (a smaller page for a slow or metered link)', intOption, 1000)
    .option('--lang <fr|en>', 'language of the register page when the browser does not ask for one (default: DATA/ui.json "lang", else fr)')
    .action(
      run(async (opts, ctx) => {
        const data = requireData(opts.data);
        const { parseLang } = await import('../sync/i18n.js');
        if (opts.lang !== undefined && !parseLang(opts.lang)) throw new TillsyncError('usage', `unknown language "${opts.lang}"`, { hint: 'use --lang fr or --lang en' });
        if (opts.pushPage < 1) throw new TillsyncError('usage', '--push-page must be at least 1', { hint: 'give the number of tickets per request, e.g. --push-page 250' });
        const { startTill } = await import('./start.ts');
        const t = await startTill({ data, port: opts.port, host: opts.host, allowLan: Boolean(opts.allowLan), pullIntervalMs: opts.pullInterval, pushPage: opts.pushPage, lang: opts.lang });
        const id = t.service.identity;
        const { isLoopbackHost } = await import('./local-api-guard.ts');
        if (!isLoopbackHost(opts.host)) {
          // Said on stderr so that --json output stays one line.
          process.stderr.write(
            `WARNING: till ${id.store}-${id.till} listens on ${opts.host}:${t.port} (--allow-lan). Anyone on the network who can open http://<this machine>:${t.port}/ gets the register page and with it the cashier's token: sell, close the day (Z), extract packages and send them to the configured destinations. Keep the till on loopback unless the register runs on another device of a trusted network.\n`,
          );
        }
        process.stdout.write(
          ctx.json
            ? `${JSON.stringify({ ready: true, url: t.url, port: t.port, pid: process.pid, store: id.store, till: id.till })}\n`
            : `till ${id.store}-${id.till} ready on ${t.url} (data ${data}, pid ${process.pid}, server ${id.serverUrl ?? 'none'})\n`,
        );
        await new Promise<void>((res) => {
          process.once('SIGINT', () => res());
          process.once('SIGTERM', () => res());
        });
        await t.stop();
        return { data: { stopped: true }, text: `till ${id.store}-${id.till} stopped` };
      }),
    );

  registerApplyBaseCommand(till);
  registerFiscalCommands(till);
}

/** Paths travel to the running till, whose working folder may differ. */
function absolute(p: string): string {
  return resolve(p);
}
