/**
 * The store server's express app: health, package upload, replication, then the back office,
 * then the one error handler. Nothing here listens: `server start` (server/intake/start.ts) does.
 */
import express, { type Express } from 'express';
import type { ServerContext } from './context.ts';
import { API, type HealthResponse } from '../sync/replication-protocol.ts';
import { uploadRouter } from './intake/upload-route.ts';
import { replicationRouter } from './replication/routes.ts';
import { ClosureQueue } from './replication/closures.ts';
import { mountBackOffice, type BackOfficeOptions } from './web/routes.ts';
import { errorHandler, notFound } from './http-error.ts';
import { createExactLink, type ExactLink } from './exact/link-service.ts';

export interface AppOptions {
  /** Inbox folder: refused uploads are kept in its quarantine/. */
  inbox: string;
  /** Cap on an uploaded package file (bytes). */
  uploadMaxBytes?: number;
  /** Where 500s are reported (default: console.error). */
  onInternalError?: (err: unknown) => void;
  /** Served over TLS (cookies may be Secure): readable by any route as `req.app.locals.tls`. */
  tls?: boolean;
  /** PostgreSQL: acks stamped less than this long ago wait for the next pull (see replication/routes.ts). */
  ackSettleMs?: number;
  /** Back-office login throttling rules (tests use short back-offs). */
  loginThrottle?: BackOfficeOptions['throttle'];
}

export interface StoreApp {
  app: Express;
  /** Closures waiting for their afterClosure hook; `server start` waits for it on stop. */
  closures: ClosureQueue;
  /** The Exact Online link's callback, webhook and schedule (server/exact/). */
  exact: ExactLink;
}

export function createApp(ctx: ServerContext, opts: AppOptions): StoreApp {
  const app = express();
  app.disable('x-powered-by');
  app.locals.tls = Boolean(opts.tls);
  const closures = new ClosureQueue(ctx);
  app.get(API.health, (_req, res) => {
    const body: HealthResponse = { ok: true, store: ctx.config.store, time: new Date().toISOString() };
    res.json(body);
  });
  app.use(uploadRouter(ctx, { inbox: opts.inbox, maxBytes: opts.uploadMaxBytes }));
  app.use(replicationRouter(ctx, closures, { ackSettleMs: opts.ackSettleMs }));
  app.use('/api', notFound);
  const exact = createExactLink(ctx);
  app.use(exact.router);
  mountBackOffice(app, ctx, { secureCookies: opts.tls ?? Boolean(ctx.config.tls), throttle: opts.loginThrottle });
  app.use(errorHandler(opts.onInternalError));
  return { app, closures, exact };
}
