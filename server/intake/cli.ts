import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { run, writeEvent } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import type { BaseData } from '../../sync/types.ts';
import type { ServerConfig } from '../context.ts';
import type { PackageOutcome } from './intake.ts';
import { withServer } from '../lazy-context.ts';

function intOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TillsyncError('usage', `"${v}" is not a port number`, { hint: 'give a whole number from 0 to 65535' });
  return n;
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}

function readBaseFile(file: string): BaseData {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TillsyncError('bad-base', `cannot read base data ${file}: ${(e as Error).message}`, { hint: 'give a JSON file with vatRates, articles, customers, paymentModes and company', ref: { file } });
  }
  const b = v as Partial<BaseData>;
  const missing = (['vatRates', 'articles', 'customers', 'paymentModes'] as const).filter((k) => !Array.isArray(b?.[k]));
  if (missing.length || !b.company || typeof b.company !== 'object') {
    throw new TillsyncError('bad-base', `base data ${file} lacks ${[...missing, ...(b?.company ? [] : ['company'])].join(', ')}`, { hint: 'give a JSON file with vatRates, articles, customers, paymentModes (lists) and company', ref: { file } });
  }
  return b as BaseData;
}

interface InitOpts {
  data: string;
  db?: string;
  store?: string;
  base?: string;
  demoBase?: boolean;
  port?: number;
  inbox?: string;
}

/** `tillsync server` verbs of server/intake/: init, enroll-till, start, intake, status. */
export function registerIntakeCommands(server: Command): void {
  server
    .command('init')
    .description('create (or update) a store server: DATA/server.json, the database, the inbox folders, base data')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'postgres://user:pass@host/db for PostgreSQL (default: SQLite file DATA/tillsync.sqlite)')
    .option('--store <code>', 'store code (default S1, or as already configured)')
    .option('--base <file.json>', 'base data JSON: vatRates, articles, customers, paymentModes, company')
    .option('--demo-base', "load the demo store's base data (French fixtures) into an empty server: for trying tillsync by hand")
    .option('--port <n>', 'HTTP port saved for server start (default 8480)', intOption)
    .option('--inbox <dir>', 'LAN inbox folder saved for server start (default DATA/inbox)')
    .option('--tls-name <names>', 'extra host names or addresses for the self-signed certificate (comma-separated; localhost and this host are always in)', collect)
    .action(
      run<InitOpts & { tlsName?: string[] }>(async (opts) => {
        const { configPath, defaultConfig, readServerConfig, writeServerConfig } = await import('../context.ts');
        const { describeDb, openDatabase } = await import('../db/database.ts');
        const { saveBaseData } = await import('../base-data.ts');
        const { ensureInbox } = await import('./quarantine.ts');
        const { ensureServerCertificate } = await import('../security/server-tls.ts');
        const data = resolve(opts.data);
        const existed = existsSync(configPath(data));
        const prev: ServerConfig = existed ? readServerConfig(data) : defaultConfig(data, opts.store ?? 'S1');
        const config: ServerConfig = {
          ...prev,
          ...(opts.store ? { store: opts.store } : {}),
          ...(opts.db ? { db: opts.db } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(opts.inbox ? { inbox: resolve(opts.inbox) } : {}),
        };
        if (existed && opts.store && prev.store !== opts.store) {
          throw new TillsyncError('usage', `${data} already serves store ${prev.store}`, { hint: 'use another --data folder for another store' });
        }
        const base = opts.base ? readBaseFile(opts.base) : undefined;
        const db = await openDatabase({ data, url: config.db });
        let baseRows = 0;
        try {
          const empty = !(await db.selectFrom('base_items').select('code').limit(1).executeTakeFirst());
          const toLoad = base ?? (empty && opts.demoBase ? (await import('../../fixtures/store.ts')).demoBaseData() : undefined);
          if (toLoad) baseRows = await saveBaseData(db, toLoad);
        } finally {
          await db.destroy();
        }
        ensureInbox(config.inbox);
        // The self-signed pair tills pin (server start --tls), made once; its fingerprint goes into enrolment strings.
        const tls = ensureServerCertificate(data, opts.tlsName ?? []);
        if (!config.tls) config.tls = { cert: tls.cert, key: tls.key };
        writeServerConfig(data, config);
        const where = describeDb({ data, url: config.db });
        return {
          data: { data, created: !existed, store: config.store, database: where, inbox: config.inbox, port: config.port, baseRowsChanged: baseRows, tls: { cert: tls.cert, key: tls.key, fingerprint: tls.fingerprint, created: tls.created } },
          text: [
            `${existed ? 'updated' : 'created'} store server ${config.store} in ${data}`,
            `TLS certificate ${tls.created ? 'made (self-signed)' : 'kept'}: ${tls.cert}`,
            `  SHA-256 fingerprint ${tls.fingerprint} (tills pin it; it is in every enrolment string)`,
            `database: ${where.kind} ${where.where}`,
            `inbox: ${config.inbox} (processed/ and quarantine/ beside)`,
            `base data: ${baseRows} rows ${base ? `loaded from ${opts.base}` : baseRows ? 'loaded (demo data)' : 'unchanged'}`,
            `next: tillsync server enroll-till --data ${opts.data} --store ${config.store} --till 01`,
          ].join('\n'),
        };
      }),
    );

  server
    .command('enroll-till')
    .description('enroll a till: prints ONCE the enrolment string to give it (server URL, till, auth secret, certificate fingerprint)')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--store <code>', 'store code (default: the server\'s store)')
    .requiredOption('--till <code>', 'till code, e.g. 01')
    .option('--rotate', 'the till is already enrolled: give it a new auth secret (the old one stops working; its signing keys stay)')
    .option('--reset-key', 'with --rotate, for a till that lost its signing key: retire its keys, take the next one on first contact (logged)')
    .option('--public-key <file.pem>', "register this till public signing key now (else it is registered on the till's first contact)")
    .option('--server-url <url>', 'the address tills reach this server at (default https://THIS-HOST:PORT when a certificate exists)')
    .option('--allow-ip <ip>', 'only accept HTTP from these addresses (repeat or comma-separate); with --rotate replaces the list', collect)
    .action(
      run<{ data: string; db?: string; store?: string; till: string; rotate?: boolean; resetKey?: boolean; publicKey?: string; serverUrl?: string; allowIp?: string[] }>(async (opts) =>
        withServer({ data: opts.data, db: opts.db }, async (s) => {
          const { enrollTill } = await import('./till-registry.ts');
          const { loadServerTls } = await import('../security/server-tls.ts');
          const { encodeEnrolment } = await import('../../sync/enrolment.ts');
          if (opts.resetKey && !opts.rotate) throw new TillsyncError('usage', '--reset-key goes with --rotate (the till is given a new auth secret too)', { hint: 'add --rotate' });
          const publicKeyPem = opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : undefined;
          const e = await enrollTill(s.db, { data: s.data, store: opts.store ?? s.config.store, till: opts.till, rotate: opts.rotate, resetKey: opts.resetKey, allowIps: opts.allowIp, publicKeyPem });
          const tlsFiles = s.config.tls as { cert?: string } | undefined;
          const fingerprint = tlsFiles?.cert && existsSync(tlsFiles.cert) ? loadServerTls(s.data, s.config).fingerprint : undefined;
          const url = (opts.serverUrl ?? (fingerprint ? `https://${(await import('node:os')).hostname()}:${s.config.port}` : `http://127.0.0.1:${s.config.port}`)).replace(/\/+$/, '');
          const enrolment = encodeEnrolment({ url, store: e.store, till: e.till, secret: e.secret, ...(fingerprint && url.startsWith('https:') ? { fingerprint } : {}) });
          return {
            data: { till: e.id, store: e.store, secret: e.secret, enrolment, serverUrl: url, fingerprint: fingerprint ?? null, rotated: e.rotated, keysReset: e.keysReset ?? 0, allowIps: e.allowIps },
            text: [
              `till ${e.id} ${e.rotated ? 'given a new auth secret (the old one no longer works)' : 'enrolled'}${e.keysReset ? `, ${e.keysReset} signing key(s) retired` : ''}${e.allowIps ? `, HTTP allowed from ${e.allowIps.join(', ')}` : ''}`,
              'Enrolment string (shown once; it holds the till\'s auth secret — give it by hand, not by mail):',
              `  ${enrolment}`,
              `On the till: tillsync till init --data TILLDIR --enrolment ${enrolment}`,
              `(server ${url}${fingerprint && url.startsWith('https:') ? `, certificate ${fingerprint}` : ''}; start it with tillsync server start --tls)`,
            ].join('\n'),
          };
        }),
      ),
    );

  server
    .command('start')
    .description('run the store server: HTTP (health, package upload, replication, back office), LAN inbox watcher, optional SMTP listener and nightly run')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--port <n>', 'HTTP port (default: from server.json, 8480; 0 = any free port)', intOption)
    .option('--host <addr>', 'address to listen on (default 0.0.0.0: every interface, so tills on the LAN reach it)')
    .option('--inbox <dir>', 'LAN inbox folder to watch (default: from server.json, DATA/inbox)')
    .option('--smtp-port <n>', 'also receive packages by mail: SMTP listener on 127.0.0.1:N', intOption)
    .option('--mail-to <address>', 'the only recipient address the SMTP listener accepts')
    .option('--nightly <HH:MM>', 'run the nightly chain (integrate, post, letter, export) every day at this local time')
    .option('--tls', 'serve HTTPS with the certificate of server init (or --cert/--key)')
    .option('--cert <file.pem>', 'TLS certificate (PEM) instead of the self-signed one')
    .option('--key <file.pem>', 'TLS private key (PEM) of --cert')
    .option('--insecure-http', 'allow plain HTTP on an address other than loopback (flagged in status and the log book)')
    .option('--lang <fr|en>', 'language of the back office when the browser does not ask for one (default: server.json ui.lang, else fr)')
    .action(
      run<{ data: string; db?: string; port?: number; host?: string; inbox?: string; smtpPort?: number; mailTo?: string; nightly?: string; tls?: boolean; cert?: string; key?: string; insecureHttp?: boolean; lang?: string }>(async (opts, cmd) => {
        if (opts.lang !== undefined && !(await import('../../sync/i18n.js')).parseLang(opts.lang)) throw new TillsyncError('usage', `unknown language "${opts.lang}"`, { hint: 'use --lang fr or --lang en' });
        const { isLoopbackHost, loadServerTls, permissionWarnings, wrapLegacySecrets, writeRunState } = await import('../security/server-tls.ts');
        if (opts.nightly) (await import('./nightly-scheduler.ts')).parseHhMm(opts.nightly);
        const useTls = Boolean(opts.tls || opts.cert || opts.key);
        const host = opts.host ?? '0.0.0.0';
        if (!useTls && !isLoopbackHost(host) && !opts.insecureHttp) {
          throw new TillsyncError('insecure-http', `plain HTTP on ${host} would carry the tills' traffic across the network in clear`, { hint: 'add --tls (certificate from server init), or --host 127.0.0.1 behind a TLS reverse proxy, or --insecure-http to accept it' });
        }
        const { openServerContext } = await import('../context.ts');
        const { describeDb } = await import('../db/database.ts');
        const { startStoreServer } = await import('./start.ts');
        const { logEvent } = await import('../log-book.ts');
        const ctx = await openServerContext({ data: opts.data, db: opts.db });
        if (opts.lang) ctx.config.ui = { ...(ctx.config.ui as object | undefined), lang: opts.lang };
        const tls = useTls ? loadServerTls(ctx.data, ctx.config, { cert: opts.cert, key: opts.key }) : undefined;
        for (const w of permissionWarnings(ctx.data, ctx.config)) process.stderr.write(`${w}\n`);
        await wrapLegacySecrets(ctx.db, ctx.data);
        const say = (line: string) => writeEvent(cmd.json, line);
        let srv;
        try {
          srv = await startStoreServer(ctx, { port: opts.port, host, inbox: opts.inbox, smtpPort: opts.smtpPort, mailTo: opts.mailTo, nightly: opts.nightly, tls, log: say });
        } catch (e) {
          await ctx.db.destroy();
          throw e;
        }
        const where = describeDb({ data: ctx.data, url: opts.db ?? ctx.config.db });
        const insecure = !useTls && !isLoopbackHost(host);
        writeRunState(ctx.data, { startedAt: new Date().toISOString(), url: srv.url, tls: useTls, tlsFingerprint: srv.tlsFingerprint, insecureHttp: insecure });
        if (insecure) await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'security', message: `server started with plain HTTP on ${host} (--insecure-http): till requests are signed, but their content crosses the network in clear` });
        const listening = {
          store: ctx.config.store,
          url: srv.url,
          tls: useTls,
          tlsFingerprint: srv.tlsFingerprint,
          insecureHttp: insecure,
          host: srv.host,
          port: srv.port,
          database: where,
          inbox: srv.inbox,
          smtp: srv.smtpPort ? { host: '127.0.0.1', port: srv.smtpPort, mailTo: srv.mailTo } : null,
          nightlyNext: srv.nightlyNext,
        };
        if (cmd.json) process.stdout.write(`${JSON.stringify({ listening })}\n`);
        else {
          process.stdout.write(
            [
              `tillsync store server ${ctx.config.store} listening on ${useTls ? 'https' : 'http'}://${srv.host}:${srv.port} (${srv.url}/api/health; back office ${srv.url}/)`,
              useTls ? `TLS certificate SHA-256 ${srv.tlsFingerprint}` : insecure ? 'WARNING: plain HTTP across the network (--insecure-http)' : 'plain HTTP on loopback only',
              `database: ${where.kind} ${where.where}`,
              `LAN inbox: ${srv.inbox}`,
              srv.smtpPort ? `mail: SMTP on 127.0.0.1:${srv.smtpPort}, for ${srv.mailTo}` : 'mail: off (--smtp-port N --mail-to ADDRESS)',
              srv.nightlyNext ? `nightly run: next at ${srv.nightlyNext}` : 'nightly run: off (--nightly HH:MM)',
              'Ctrl-C to stop.',
              '',
            ].join('\n'),
          );
        }
        const signal = await new Promise<string>((res) => {
          process.once('SIGINT', () => res('SIGINT'));
          process.once('SIGTERM', () => res('SIGTERM'));
        });
        say(`${signal}: stopping (finishing the work in progress)…`);
        try {
          await srv.close();
        } finally {
          await ctx.db.destroy();
        }
        return { data: { stopped: true, signal, ...listening }, text: 'store server stopped' };
      }),
    );

  server
    .command('intake')
    .description('integrate ticket package files by hand (seed: "intégration des tickets dégradés"): one line per file; exit 1 if any was refused')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .argument('<files...>', 'TicDeg / TicDep package files')
    .action(
      run<{ data: string; db?: string }>(async (opts, cmd, args) =>
        withServer({ data: opts.data, db: opts.db }, async (s) => {
          const { intakePackage } = await import('./intake.ts');
          const { placeHandIntake } = await import('./quarantine.ts');
          const { outcomeBody, outcomeLine } = await import('./package-outcome.ts');
          const files = args.map((f) => resolve(f));
          const bar = files.length > 1 ? cmd.progress('intake', files.length) : null;
          const results: (Record<string, unknown> & { file: string })[] = [];
          const lines: string[] = [];
          let refused = 0;
          try {
            for (const file of files) {
              let bytes: Buffer;
              try {
                bytes = readFileSync(file);
              } catch (e) {
                refused++;
                const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
                lines.push(`${file}: CANNOT READ — ${why}`);
                results.push({ file, status: 'unreadable', message: why });
                bar?.tick();
                continue;
              }
              const o: PackageOutcome = await intakePackage(s, { bytes, fileName: file.split('/').pop() ?? file, channel: 'manual' });
              if (o.status === 'refused') refused++;
              const refusal = o.status === 'refused' ? { reason: o.reason, message: o.message, hint: o.hint, channel: 'manual' } : null;
              const movedTo = placeHandIntake(s.config.inbox, file, refusal, s.data);
              lines.push(`${outcomeLine(o)}${movedTo ? ` (moved to ${movedTo})` : ''}`);
              results.push({ file, ...outcomeBody(o), ...(movedTo ? { movedTo } : {}) });
              bar?.tick();
            }
          } finally {
            bar?.done();
          }
          return { data: { files: results, refused }, text: lines.join('\n'), exitCode: refused ? 1 : 0 };
        }),
      ),
    );

  server
    .command('status')
    .description('per till: last number, last contact, gaps, counts; packages; inbox and quarantine; conflicts; last errors')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .option('--problems <n>', 'how many recent warnings and errors to show (default 10)', intOption)
    .action(
      run<{ data: string; db?: string; problems?: number }>(async (opts) =>
        withServer({ data: opts.data, db: opts.db }, async (s) => {
          const { serverStatus, statusText } = await import('./status.ts');
          const st = await serverStatus(s, { db: opts.db, problems: opts.problems });
          return { data: st, text: statusText(st) };
        }),
      ),
    );
}
