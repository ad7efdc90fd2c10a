/**
 * Two checks on every state-changing back-office request (anything but GET/HEAD):
 *  - same origin: an Origin header (or, without one, a Referer) naming another host is refused —
 *    a page elsewhere cannot make the browser POST here (also before login: the login form);
 *  - a synchronizer token tied to the session: every POST form carries `_csrf` (layout.ts adds
 *    it to each `<form method="post">`), scripts send `x-csrf-token`. It is an HMAC of the session
 *    token, so it changes with each login and is worthless without that session's cookie.
 * Refusals answer 403 and go to the log book (channel web).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ServerContext } from '../context.ts';
import { logEvent } from '../log-book.ts';
import { readCookie, SESSION_COOKIE } from './sessions.ts';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('tillsync back-office form').digest('base64url');
}

/** The host a browser's Origin/Referer names, or 'foreign' for something unreadable ("null"). */
function hostOf(url: string): string | 'foreign' {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return 'foreign';
  }
}

/** null when the request may come from this site; else what it came from. */
export function foreignSource(req: Request): string | null {
  const own = String(req.headers.host ?? '').toLowerCase();
  const origin = req.headers.origin;
  if (origin !== undefined) return hostOf(origin) === own ? null : `Origin ${String(origin).slice(0, 100)}`;
  const referer = req.headers.referer;
  if (referer !== undefined) return hostOf(referer) === own ? null : `Referer ${String(referer).slice(0, 100)}`;
  return null; // not a browser (curl, scripts): the token check still applies after login
}

function refuse(ctx: ServerContext, req: Request, res: Response, why: string): void {
  void logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `refused ${req.method} ${req.originalUrl.split('?')[0].slice(0, 100)} from ${req.ip}: ${why}` }).catch(() => undefined);
  res.status(403).set('Cache-Control', 'no-store').json({ error: { code: 'forbidden', message: `request refused: ${why}`, hint: 'use the back-office pages of this server (reload the page and try again)' } });
}

export function sameOriginOnly(ctx: ServerContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (SAFE.has(req.method)) return next();
    const foreign = foreignSource(req);
    if (foreign) return refuse(ctx, req, res, `cross-site request (${foreign})`);
    next();
  };
}

/** After the session check and the body parser: the form's token must be this session's. */
export function requireCsrfToken(ctx: ServerContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (SAFE.has(req.method)) return next();
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    const given = String((req.body && typeof req.body === 'object' ? req.body[CSRF_FIELD] : undefined) ?? req.get(CSRF_HEADER) ?? '');
    const want = session ? csrfTokenOf(session) : '';
    const a = Buffer.from(given);
    const b = Buffer.from(want);
    if (!want || a.length !== b.length || !timingSafeEqual(a, b)) return refuse(ctx, req, res, 'missing or wrong form token (CSRF)');
    next();
  };
}

/** Adds the token to every POST form of a rendered page. */
export function withCsrfFields(pageHtml: string, token: string | undefined): string {
  if (!token) return pageHtml;
  return pageHtml.replace(/<form\b[^>]*\bmethod="post"[^>]*>/gi, (tag) => `${tag}<input type="hidden" name="${CSRF_FIELD}" value="${token}">`);
}
