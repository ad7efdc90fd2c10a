/**
 * Helpers for drills that drive a real till: `till init` and `till start` as child processes, and
 * its local HTTP API (client/api.ts) for sales, tickets, status and extraction.
 */
import { readApiToken, TOKEN_HEADER } from '../client/api-token.ts';
import { D, fmt } from '../sync/money.ts';
import type { Article, Ticket } from '../sync/types.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TillKeyPair } from '../sync/till-keys.ts';
import { runTillsync, startTillsync, type Started } from '../cli/spawn-tillsync.ts';

export interface RunningTillProcess {
  proc: Started;
  url: string;
}

export async function initTill(data: string, opts: { store?: string; till?: string; articles?: number; secret?: string; server?: string; signingKey?: TillKeyPair } = {}): Promise<{ secret: string }> {
  if (opts.signingKey) {
    // As a till restored from its backup: `till init` keeps the key it finds.
    mkdirSync(join(data, 'keys'), { recursive: true });
    writeFileSync(join(data, 'keys', 'till-signing.pem'), opts.signingKey.privateKeyPem, { mode: 0o600 });
  }
  const args = ['till', 'init', '--data', data, '--store', opts.store ?? 'S1', '--till', opts.till ?? '01', '--articles', String(opts.articles ?? 30), '--json'];
  if (opts.secret) args.push('--secret', opts.secret);
  if (opts.server) args.push('--server', opts.server);
  const r = await runTillsync(args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`till init failed: ${r.stderr.trim() || r.stdout.trim()}`);
  return { secret: r.json.secret };
}

export async function startTill(data: string, env?: NodeJS.ProcessEnv): Promise<RunningTillProcess> {
  const proc = await startTillsync(['till', 'start', '--data', data, '--port', '0', '--json'], /"ready":\s*true[^\n]*\n/, { env, timeoutMs: 60_000 });
  const line = proc.output().split('\n').find((l) => l.includes('"ready"'));
  const url = JSON.parse(line!).url as string;
  // Drills call the API by URL: the till's operator token (DATA/api-token) goes with it.
  apiTokens.set(url, readApiToken(data) ?? '');
  return { proc, url };
}

const apiTokens = new Map<string, string>();

export async function tillApi<T = any>(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  if (method === 'POST' && body === undefined) body = {};
  const res = await fetch(`${url}/api/till${path}`, { method, headers: { [TOKEN_HEADER]: apiTokens.get(url) ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T };
}

export async function tillArticles(url: string, limit = 20): Promise<Pick<Article, 'code' | 'price'>[]> {
  const r = await tillApi<{ articles: Pick<Article, 'code' | 'price'>[] }>(url, 'GET', `/articles?q=&limit=${limit}`);
  if (r.status !== 200 || !r.body.articles?.length) throw new Error(`the till lists no articles (${r.status} ${JSON.stringify(r.body)})`);
  return r.body.articles;
}

/** A counter sale of 1–3 lines paid in cash or card; the amount is the exact total incl VAT. */
export function saleInput(r: () => number, articles: Pick<Article, 'code' | 'price'>[]): unknown {
  const lines = [];
  let due = new D(0);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const a = articles[Math.floor(r() * articles.length)];
    const qty = 1 + Math.floor(r() * 3);
    lines.push({ article: a.code, qty });
    due = due.plus(new D(a.price).times(qty));
  }
  return { lines, payments: [{ mode: r() < 0.5 ? 'ESP' : 'CB', amount: fmt(due, 2) }] };
}

/** Every ticket of the till, in number order, without the till's local flags (as they were hashed). */
export async function tillTickets(url: string): Promise<Ticket[]> {
  const r = await tillApi<{ tickets: (Ticket & Record<string, unknown>)[] }>(url, 'GET', '/tickets?limit=1000');
  if (r.status !== 200) throw new Error(`GET /tickets: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.tickets
    .map(({ packagedIn: _p, acknowledgedAt: _a, documentNumber: _d, ...t }) => t as unknown as Ticket)
    .sort((a, b) => a.number - b.number);
}
