/** How back-office handlers answer: a full page, or a redirect carrying a one-line outcome. */
import type { Request, Response } from 'express';
import { isTillsyncError } from '../../sync/errors.ts';
import type { ServerContext } from '../context.ts';
import { page, BASE } from './layout.ts';
import { redactPaths } from '../redact.ts';
import type { SafeHtml } from './html.ts';
import { engineText } from './engine-text.ts';

export interface AuthedRequest extends Request {
  user?: string;
  /** The user's role (users.ts): the security page is for admins. */
  role?: string;
  /** This session's form token (csrf.ts), added to every POST form of the page. */
  csrf?: string;
}

export function renderPage(req: AuthedRequest, res: Response, ctx: ServerContext, o: { title: string; active?: string; body: SafeHtml; status?: number; scripts?: string[]; styles?: string[] }): void {
  const ok = typeof req.query.ok === 'string' ? req.query.ok : '';
  const err = typeof req.query.err === 'string' ? req.query.err : '';
  const flash = err ? { kind: 'error' as const, text: err } : ok ? { kind: 'ok' as const, text: ok } : null;
  res
    .status(o.status ?? 200)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(page({ title: o.title, active: o.active, user: req.user ?? null, admin: req.role === 'admin', store: ctx.config.store, flash, body: o.body, csrf: req.csrf, self: req.originalUrl, scripts: o.scripts, styles: o.styles }));
}

/** POST → redirect → GET, with the outcome in the query string (rendered escaped). */
export function redirectWith(res: Response, path: string, kind: 'ok' | 'err', text: string): void {
  const [p, hash] = path.split('#');
  const sep = p.includes('?') ? '&' : '?';
  res.redirect(303, `${BASE}${p}${sep}${kind}=${encodeURIComponent(text)}${hash ? `#${hash}` : ''}`);
}

/** One line for the page: the message and hint, never a stack, never an absolute path. */
export function errorText(e: unknown): string {
  if (isTillsyncError(e)) return engineText(e);
  return redactPaths((e as Error)?.message ?? String(e));
}

/** Wraps a form action: any failure comes back to `back` as a red one-line message. */
export function action(back: string, fn: (req: AuthedRequest, res: Response) => Promise<void>) {
  return async (req: AuthedRequest, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (e) {
      if (!res.headersSent) redirectWith(res, back, 'err', errorText(e));
    }
  };
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** Form fields that may come once (string) or many times (array). */
export function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' && v !== '' ? [v] : [];
}
