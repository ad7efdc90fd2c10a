/**
 * `till start`: the long-running till process. Holds the store (lock file with its port), keeps
 * every article in memory, checks the server's health every few seconds, replicates with the
 * server, and serves the local API (client/api.ts) and the cashier page (client/web/, when present)
 * behind the doors of local-api-guard.ts, with tokens made fresh for this run (api-token.ts).
 * It listens on loopback; another address needs `allowLan` (the CLI's --allow-lan).
 */
import express from 'express';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { tillApiRouter } from './api.ts';
import { createApiTokens, removeApiToken, type ApiTokens } from './api-token.ts';
import { isLoopbackHost, localApiGuards } from './local-api-guard.ts';
import { configuredRegisterLang, registerPageRouter } from './register-page.ts';
import { logTillEvent } from './day-log.ts';
import { HealthMonitor } from './health.ts';
import { acquireLock, type TillLock } from './lock.ts';
import { startReplication, type TillReplication } from './replication.ts';
import { TillStore } from './store/till-store.ts';
import { TillService } from './till-service.ts';
import { finishPendingClosure } from './period-closing.ts';
import { SOFTWARE } from '../sync/software.ts';

/** Journals the start, and a version change since the last start (NF525: software version events). */
async function recordStart(svc: TillService): Promise<void> {
  const events = await svc.store.journal();
  const lastStart = [...events].reverse().find((e) => e.type === 'start');
  if (lastStart && lastStart.data.version !== SOFTWARE.version) await svc.journal.record('version', { from: lastStart.data.version ?? null, to: SOFTWARE.version });
  await svc.journal.record('start', { software: SOFTWARE.name, version: SOFTWARE.version, pid: process.pid });
}

export interface StartOptions {
  data: string;
  port?: number;
  host?: string;
  /** Needed for any --host that is not loopback: the register page and API then face the LAN. */
  allowLan?: boolean;
  healthIntervalMs?: number;
  pullIntervalMs?: number;
  /** Tickets per push request (default PUSH_PAGE). */
  pushPage?: number;
  retryMs?: number;
  /** The longest wait between tries while the server is away (default 10 s). */
  maxRetryMs?: number;
  /** The register page's language when the browser does not choose (--lang; else DATA/ui.json "lang"; else French). */
  lang?: string;
}

export interface RunningTill {
  url: string;
  port: number;
  /** This run's tokens (the operator's is also in DATA/api-token). */
  tokens: ApiTokens;
  service: TillService;
  replication: TillReplication | null;
  stop(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL('./web', import.meta.url));

export async function startTill(opts: StartOptions): Promise<RunningTill> {
  const data = resolve(opts.data);
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !opts.allowLan) {
    throw new TillsyncError('lan-not-allowed', `till start --host ${host} would open the till's API to the network`, { hint: 'keep the default 127.0.0.1, or add --allow-lan if the register must be reached from another device' });
  }
  const lock: TillLock = await acquireLock(data, 'till start', { waitMs: 15_000 });
  let store: TillStore | null = null;
  let health: HealthMonitor | null = null;
  let replication: TillReplication | null = null;
  let server: Server | null = null;
  let tokens: ApiTokens | null = null;
  const cleanup = async () => {
    health?.stop();
    if (server) {
      const closed = new Promise<void>((r) => server!.close(() => r()));
      server.closeIdleConnections();
      await closed;
    }
    if (replication) await replication.stop().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
    if (tokens) removeApiToken(data, tokens);
    lock.release();
  };
  try {
    store = await TillStore.open({ dir: data }, { articles: 'all' });
    const identity = store.identity;
    if (!identity) throw new TillsyncError('not-initialised', `no till is initialised in ${data}`, { hint: 'run tillsync till init --data DIR --store S1 --till 01 first' });
    const s = store;
    health = new HealthMonitor(identity.serverUrl, {
      background: true,
      fingerprint: identity.serverFingerprint,
      onContact: (at) => void s.noteServerContact(at).catch(() => undefined),
      onChange: (online) => {
        logTillEvent(data, online ? 'info' : 'warning', online ? `server ${identity.serverUrl} answers again: selling online` : `server ${identity.serverUrl} does not answer: selling in degraded mode`);
        // Tickets flow at once when the network returns: the push's backoff is for a server still away.
        if (online) replication?.serverBack();
      },
    });
    // A base bundle whose application a crash interrupted is finished before the first sale.
    const resumed = await (await import('./base-apply.ts')).finishPendingBaseApply(store, data);
    if (resumed) logTillEvent(data, 'info', `finished applying base bundle v${resumed.version} (${resumed.file}) interrupted earlier`);
    await health.check();
    health.start(opts.healthIntervalMs ?? 2000);
    await store.ledger();
    const service = new TillService(store, data, health);
    await recordStart(service);
    const pendingClosure = await finishPendingClosure(service);
    if (pendingClosure) logTillEvent(data, 'warning', `finished ${pendingClosure.closure.id}, interrupted by a crash`);
    if (identity.serverUrl) {
      replication = startReplication({ store, dataDir: data, pullIntervalMs: opts.pullIntervalMs, pushPage: opts.pushPage, retryMs: opts.retryMs, maxRetryMs: opts.maxRetryMs, onContact: () => void s.noteServerContact().catch(() => undefined) });
      const r = replication;
      service.replicationStatus = () => r.status();
    }
    const app = express();
    app.disable('x-powered-by');
    tokens = createApiTokens(data);
    const cashierToken = tokens.cashier;
    // The port is known once listening; the doors read it then.
    let guards: ReturnType<typeof localApiGuards> | null = null;
    app.use((req, res, next) => guards!.site(req, res, next));
    app.use('/api/till', (req, res, next) => guards!.api(req, res, next), tillApiRouter(service));
    if (existsSync(WEB_DIR)) app.use(registerPageRouter(WEB_DIR, cashierToken, { lang: opts.lang ?? configuredRegisterLang(data) }));
    server = await new Promise<Server>((res, rej) => {
      const srv = app.listen(opts.port ?? 8470, host, () => res(srv));
      srv.once('error', (e: NodeJS.ErrnoException) =>
        rej(e.code === 'EADDRINUSE' ? new TillsyncError('port-in-use', `port ${opts.port ?? 8470} on ${host} is already in use`, { hint: 'choose another --port' }) : e),
      );
    });
    const port = (server.address() as AddressInfo).port;
    guards = localApiGuards({ dataDir: data, boundHost: host, port, tokens: tokens! });
    lock.update({ port, host });
    logTillEvent(data, 'info', `till ${identity.store}-${identity.till} started on http://${host}:${port} (pid ${process.pid})${isLoopbackHost(host) ? '' : ' — open to the LAN (--allow-lan)'}`);
    if (identity.serverUrl && identity.insecureHttp) logTillEvent(data, 'warning', `server ${identity.serverUrl} is reached over plain HTTP across the network (--insecure-http): requests are signed, but tickets travel in clear`);
    let stopped = false;
    return {
      url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      tokens: tokens!,
      service,
      replication,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await service.journal.record('stop', { pid: process.pid });
        await cleanup();
        logTillEvent(data, 'info', `till ${identity.store}-${identity.till} stopped`);
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
