/**
 * Login and logout of the back office (sessions: ../sessions.ts). Logins are throttled per account
 * and per source address (../login-throttle.ts): 429 with Retry-After while locked, the right
 * password included; the login body is parsed here with a small cap, nothing else is read before
 * a session exists.
 */
import express, { type Router, type Response } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE, page } from '../layout.ts';
import { checkCredentials, countUsers } from '../users.ts';
import { clearedSessionCookie, createSession, endSession, readCookie, sessionCookie, SESSION_COOKIE } from '../sessions.ts';
import { logEvent } from '../../log-book.ts';
import type { AuthedRequest } from '../respond.ts';
import { inRequestLang, t, th } from '../i18n/index.ts';
import { str } from '../respond.ts';
import { DEFAULT_THROTTLE, LoginThrottle, type Lock, type ThrottleRules } from '../login-throttle.ts';
import { recordAttempt } from '../login-attempts.ts';

export interface LoginOptions {
  /** Session cookies marked Secure (the server runs TLS). */
  secureCookies?: boolean;
  throttle?: ThrottleRules;
}

/** Only same-site paths under the back office: a login link cannot bounce the user elsewhere. */
function safeNext(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return s.startsWith(`${BASE}/`) && !s.startsWith('//') && !s.includes('\\') ? s : `${BASE}/`;
}

async function loginForm(ctx: ServerContext, res: Response, next: string, error?: string, status?: number, self?: string): Promise<void> {
  const noUser = (await countUsers(ctx.db)) === 0;
  const body = html`<form class="login" method="post" action="${BASE}/login">
  ${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}
  ${noUser ? html`<p class="flash error">${th('login.noUser', { command: html`<br><code>tillsync server user add --data ${ctx.data} --name admin --password-stdin</code>` })}</p>` : ''}
  <input type="hidden" name="next" value="${next}">
  <label>${t('login.user')} <input type="text" name="name" autocomplete="username" autofocus required></label>
  <label>${t('login.password')} <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">${t('login.submit')}</button>
</form>`;
  res.status(status ?? (error ? 401 : 200)).type('html').set('Cache-Control', 'no-store').send(page({ title: t('login.title'), store: ctx.config.store, body, self: self ?? `${BASE}/login?next=${encodeURIComponent(next)}` }));
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Returns the throttle, whose locks the security page lists. */
export function mountLogin(r: Router, ctx: ServerContext, opts: LoginOptions = {}): LoginThrottle {
  const throttle = new LoginThrottle(opts.throttle ?? DEFAULT_THROTTLE);
  const rules = throttle.rules;
  const tell = (lock: Lock, name: string, ip: string, what: string) =>
    logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `back-office login ${what} for "${name.slice(0, 64)}" from ${ip}: ${lock.key.split(':')[0]} locked ${seconds(lock.retryAfterMs)} s after ${lock.failures} failures` });

  r.get('/login', async (req, res) => loginForm(ctx, res, safeNext(req.query.next)));

  r.post('/login', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }), inRequestLang(ctx.config), async (req: AuthedRequest, res) => {
    const name = str(req.body?.name);
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const next = safeNext(req.body?.next);
    const ip = req.ip ?? req.socket.remoteAddress ?? '?';
    const keys = LoginThrottle.keys(name, ip);
    const lock = throttle.locked([keys.account, keys.address]);
    if (lock) {
      // Locked: not even checked, whatever the password.
      if (lock.first) {
        await tell(lock, name, ip, 'refused (throttled)');
        await recordAttempt(ctx.db, { name, address: ip, outcome: 'throttled' });
      }
      res.set('Retry-After', String(seconds(lock.retryAfterMs)));
      return loginForm(ctx, res, next, t('login.throttled', { s: seconds(lock.retryAfterMs) }), 429);
    }
    if (!name || !password || !(await checkCredentials(ctx.db, name, password))) {
      await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `failed back-office login for "${name.slice(0, 64)}" from ${ip}` });
      await recordAttempt(ctx.db, { name, address: ip, outcome: 'wrong' });
      const started = [throttle.failed(keys.account, rules.accountFree), throttle.failed(keys.address, rules.addressFree)].filter((l): l is Lock => l !== null);
      for (const l of started) await tell(l, name, ip, 'throttled');
      return loginForm(ctx, res, next, t('login.wrong'));
    }
    throttle.succeeded(keys.account);
    await recordAttempt(ctx.db, { name, address: ip, outcome: 'ok' });
    const { token, expiresAt } = await createSession(ctx.db, name);
    res.set('Set-Cookie', sessionCookie(token, expiresAt, opts.secureCookies)).redirect(303, next);
  });

  r.post('/logout', async (req, res) => {
    await endSession(ctx.db, readCookie(req.headers.cookie, SESSION_COOKIE));
    res.set('Set-Cookie', clearedSessionCookie(opts.secureCookies)).redirect(303, `${BASE}/login`);
  });
  return throttle;
}
