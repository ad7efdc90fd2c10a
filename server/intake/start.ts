/**
 * `server start`: the express app (health, upload, replication, back office) on --port, the LAN
 * inbox watcher, the SMTP listener when --smtp-port is given, the nightly schedule when --nightly
 * is given. `close()` stops taking new work, lets the work in progress finish, then closes the
 * database: a package is never cut in the middle by a graceful stop (and a hard kill rolls back).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { ServerContext } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { createApp } from '../app.ts';
import { watchInbox, type InboxWatcher } from './inbox-watcher.ts';
import { startMailListener, type MailListener } from './mail-listener.ts';
import { mailLimitsOf, type MailLimits } from './mail-limits.ts';
import { parseHhMm, scheduleNightly, type NightlySchedule } from './nightly-scheduler.ts';
import { outcomeLine } from './package-outcome.ts';
import { recordServerEvent } from '../fiscal/journal-store.ts';
import { SOFTWARE } from '../../sync/software.ts';

export interface StartOptions {
  port?: number;
  host?: string;
  inbox?: string;
  smtpPort?: number;
  mailTo?: string;
  nightly?: string;
  uploadMaxBytes?: number;
  /** Over the `mail` settings of server.json (mail-limits.ts). */
  mailLimits?: Partial<MailLimits>;
  /** Inbox: how long a file's size must stay unchanged before it is taken (ms). */
  inboxStableMs?: number;
  /** Serve HTTPS with this certificate and key (PEM text). */
  tls?: { cert: string; key: string; fingerprint: string };
  /** One line per event worth telling the operator (file taken, mail received…). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  /** SHA-256 fingerprint of the served certificate, null on plain HTTP. */
  tlsFingerprint: string | null;
  inbox: string;
  smtpPort: number | null;
  mailTo: string | null;
  nightlyNext: string | null;
  inboxWatcher: InboxWatcher;
  close(): Promise<void>;
}

export async function startStoreServer(ctx: ServerContext, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '0.0.0.0';
  const port = opts.port ?? ctx.config.port;
  const inbox = resolve(opts.inbox ?? ctx.config.inbox);
  const smtpPort = opts.smtpPort ?? ctx.config.smtpPort;
  const mailTo = opts.mailTo ?? ctx.config.mailTo;
  const nightly = opts.nightly ?? ctx.config.nightly;
  if (smtpPort !== undefined && !mailTo) throw new TillsyncError('usage', '--smtp-port needs --mail-to ADDRESS (the only recipient accepted)', { hint: 'e.g. --smtp-port 2525 --mail-to tickets@shop.example' });
  if (nightly) parseHhMm(nightly);

  const { app, closures, exact } = createApp(ctx, { inbox, uploadMaxBytes: opts.uploadMaxBytes, tls: Boolean(opts.tls), onInternalError: (e) => log(`internal error: ${(e as Error)?.stack ?? String(e)}`) });
  const http: Server = await new Promise<Server>((res, rej) => {
    const s: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, app) : createHttpServer(app);
    s.once('error', rej);
    s.listen(port, host, () => res(s));
  }).catch((e: NodeJS.ErrnoException) => {
    throw new TillsyncError('listen-failed', `cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'port already in use' : e.message}`, { hint: 'choose another --port or stop the other server' });
  });
  const bound = (http.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

  let watcher: InboxWatcher | null = null;
  let mail: MailListener | null = null;
  let schedule: NightlySchedule | null = null;
  try {
    watcher = watchInbox(ctx, { inbox, stableMs: opts.inboxStableMs, onFile: (e) => log(`inbox: ${outcomeLine(e.outcome)} → ${e.movedTo}`) });
    await watcher.ready;
    if (smtpPort !== undefined && mailTo) {
      mail = await startMailListener(ctx, {
        port: smtpPort,
        mailTo,
        inbox,
        limits: mailLimitsOf(ctx.config, opts.mailLimits),
        onMail: (e) => e.outcomes.forEach((o) => log(`mail from ${e.from || '?'}: ${outcomeLine(o)}`)),
      }).catch((e: NodeJS.ErrnoException) => {
        throw new TillsyncError('listen-failed', `cannot listen for mail on 127.0.0.1:${smtpPort}: ${e.code === 'EADDRINUSE' ? 'port already in use' : e.message}`, { hint: 'choose another --smtp-port' });
      });
    }
    if (nightly) schedule = scheduleNightly(ctx, nightly, { onRun: log });
    await recordServerEvent(ctx, 'start', { software: SOFTWARE.name, version: SOFTWARE.version, pid: process.pid });
    await exact.start(log);
  } catch (e) {
    await watcher?.close();
    await new Promise<void>((r) => http.close(() => r()));
    throw e;
  }

  let closing: Promise<void> | null = null;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${shownHost}:${bound}`,
    host,
    port: bound,
    tlsFingerprint: opts.tls?.fingerprint ?? null,
    inbox,
    smtpPort: mail?.port ?? null,
    mailTo: mail ? (mailTo ?? null) : null,
    nightlyNext: schedule ? schedule.next().toISOString() : null,
    inboxWatcher: watcher,
    close() {
      closing ??= (async () => {
        // Stop accepting, then let what is in progress finish.
        const httpClosed = new Promise<void>((r) => http.close(() => r()));
        http.closeIdleConnections();
        // A keep-alive client (a till polling) must not hold the stop: requests in flight get 5 s.
        const force = setTimeout(() => http.closeAllConnections(), 5000);
        force.unref();
        await Promise.all([watcher?.close(), mail?.close(), schedule?.stop(), exact.stop()]);
        await httpClosed;
        await closures.idle();
        await recordServerEvent(ctx, 'stop', { pid: process.pid });
      })();
      return closing;
    },
  };
}
