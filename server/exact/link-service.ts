/**
 * What `server start` does for the Exact Online link:
 *
 *   GET  /exact/callback   the end of `server exact connect`: Exact sends the browser back here with
 *                          code + state; the state must be the pending connection's (CSRF).
 *   POST /exact/webhook    Exact's webhook calls. The signature is checked on the raw bytes before
 *                          anything is read from them (Exact signs the Content JSON: HashCode =
 *                          upper-case hex HMAC-SHA256 with the app's webhook secret); a bad or
 *                          missing signature is 401 and logged; a good one (our client id and
 *                          division) queues a pull of payments and answers 200 at once.
 *   schedule               every `pullMinutes` a pull of payments; webhooks (topics BankEntries,
 *                          CashEntries) subscribed at start when a webhook URL and secret are set.
 *
 * Pulls never overlap in this process (a webhook during a pull asks for one more pull after it).
 * A failed pull is logged in the log book; the server goes on.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import type { ServerContext } from '../context.ts';
import { logEvent } from '../log-book.ts';
import { hasConnection, readConnection } from './connection-store.ts';

export interface ExactLink {
  router: Router;
  /** Subscribes webhooks and starts the schedule, when configured (after the server listens). */
  start(log: (line: string) => void): Promise<void>;
  /** Asks for a pull; resolves when the pull that covers this request is over. */
  pullSoon(why: string): Promise<void>;
  stop(): Promise<void>;
}

/** Exact's webhook body `{"Content":…,"HashCode":"…"}` checked against the secret; the Content, or null when the signature is wrong. */
export function verifyWebhook(raw: string, secret: string): Record<string, unknown> | null {
  const m = /^\{"Content":(.*),"HashCode":"([0-9A-Fa-f]{64})"\}$/s.exec(raw.trim());
  if (!m || !secret) return null;
  const expected = Buffer.from(createHmac('sha256', secret).update(m[1]).digest('hex').toUpperCase());
  const given = Buffer.from(m[2].toUpperCase());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const content = JSON.parse(m[1]) as unknown;
    return typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const page = (title: string, text: string) => `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p></body></html>`;

export function createExactLink(ctx: ServerContext): ExactLink {
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let log: (line: string) => void = () => {};

  const pullOnce = async (why: string) => {
    const { ExactApi } = await import('./exact-api.ts');
    const { pullPayments } = await import('./pull-payments.ts');
    try {
      const o = await pullPayments(ctx.db, ctx.data, new ExactApi(ctx.data));
      log(`exact: payments pulled (${why}): ${o.message}`);
    } catch (e) {
      log(`exact: payments pull (${why}) failed: ${(e as Error).message}`);
      await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'imports', message: `Exact Online payments pull (${why}) failed: ${(e as Error).message}` }).catch(() => undefined);
    }
  };

  const pullSoon = (why: string): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running.then(() => running ?? undefined);
    }
    running = (async () => {
      do {
        again = false;
        await pullOnce(why);
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const router = express.Router();
  router.get('/exact/callback', async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.error) return void res.status(400).type('html').send(page('Exact Online: connexion refusée', `Exact Online a répondu : ${q.error_description ?? q.error}. Relancez tillsync server exact connect.`));
    if (typeof q.code !== 'string' || typeof q.state !== 'string') return void res.status(400).type('html').send(page('Exact Online', 'Réponse incomplète (code ou state absent).'));
    try {
      const { completeConnect } = await import('./connect.ts');
      const out = await completeConnect(ctx.data, q.code, q.state);
      res.type('html').send(page('Exact Online : connecté', `${out.message}. Vous pouvez fermer cette fenêtre.`));
    } catch (e) {
      res.status((e as { status?: number }).status === 400 ? 400 : 502).type('html').send(page('Exact Online : échec de la connexion', (e as Error).message));
    }
  });
  router.post('/exact/webhook', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const c = hasConnection(ctx.data) ? readConnection(ctx.data) : null;
    if (!c?.webhookSecret) return void res.status(404).end();
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const content = verifyWebhook(raw, c.webhookSecret);
    if (!content) {
      await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'security', message: `Exact Online webhook refused: bad or missing signature (from ${req.socket.remoteAddress ?? '?'})` }).catch(() => undefined);
      return void res.status(401).json({ error: 'bad signature' });
    }
    if (content.ClientId !== c.clientId || (c.division !== null && Number(content.Division) !== c.division)) return void res.status(403).json({ error: 'not this link' });
    res.status(200).end();
    void pullSoon(`webhook ${String(content.Topic ?? '')}`);
  });

  return {
    router,
    pullSoon,
    async start(l) {
      log = l;
      if (!hasConnection(ctx.data)) return;
      const c = readConnection(ctx.data);
      if (!c.refreshToken || c.division === null) return;
      if (c.webhookUrl && c.webhookSecret) {
        try {
          const { ExactApi } = await import('./exact-api.ts');
          const api = new ExactApi(ctx.data);
          const subs = await api.list<{ CallbackURL: string; Topic: string }>('webhooks/WebhookSubscriptions');
          for (const topic of WEBHOOK_TOPICS) if (!subs.some((s) => s.CallbackURL === c.webhookUrl && s.Topic === topic)) await api.create('webhooks/WebhookSubscriptions', { CallbackURL: c.webhookUrl, Topic: topic });
          log(`exact: webhooks ${WEBHOOK_TOPICS.join(', ')} → ${c.webhookUrl}`);
        } catch (e) {
          log(`exact: webhook subscription failed: ${(e as Error).message}`);
          await logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'imports', message: `Exact Online webhook subscription failed: ${(e as Error).message}` }).catch(() => undefined);
        }
      }
      if (c.pullMinutes) {
        timer = setInterval(() => void pullSoon('schedule'), c.pullMinutes * 60_000);
        timer.unref();
        log(`exact: payments pulled every ${c.pullMinutes} min`);
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

/**
 * A payment registered in Exact is a bank (or cash) entry matched against the receivable: the
 * topics of those entries (Exact's reference: financialtransaction/TransactionLines, "Subscribe to
 * the topic BankEntries, CashEntries, …").
 */
export const WEBHOOK_TOPICS = ['BankEntries', 'CashEntries'];
