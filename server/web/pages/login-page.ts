/** Login and logout of the back office (sessions: ../sessions.ts). */
import type { Router, Response } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE, page } from '../layout.ts';
import { checkCredentials, countUsers } from '../users.ts';
import { clearedSessionCookie, createSession, endSession, readCookie, sessionCookie, SESSION_COOKIE } from '../sessions.ts';
import { logEvent } from '../../log-book.ts';
import type { AuthedRequest } from '../respond.ts';
import { str } from '../respond.ts';

/** Only same-site paths under the back office: a login link cannot bounce the user elsewhere. */
function safeNext(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return s.startsWith(`${BASE}/`) && !s.startsWith('//') && !s.includes('\\') ? s : `${BASE}/`;
}

async function loginForm(ctx: ServerContext, res: Response, next: string, error?: string): Promise<void> {
  const noUser = (await countUsers(ctx.db)) === 0;
  const body = html`<form class="login" method="post" action="${BASE}/login">
  ${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}
  ${noUser ? html`<p class="flash error">No back-office user yet. On the server, run:<br><code>tillsync server user add --data ${ctx.data} --name admin --password-stdin</code></p>` : ''}
  <input type="hidden" name="next" value="${next}">
  <label>User <input type="text" name="name" autocomplete="username" autofocus required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>`;
  res.status(error ? 401 : 200).type('html').set('Cache-Control', 'no-store').send(page({ title: 'Log in', store: ctx.config.store, body }));
}

export function mountLogin(r: Router, ctx: ServerContext): void {
  r.get('/login', async (req, res) => loginForm(ctx, res, safeNext(req.query.next)));

  r.post('/login', async (req: AuthedRequest, res) => {
    const name = str(req.body?.name);
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const next = safeNext(req.body?.next);
    if (!name || !password || !(await checkCredentials(ctx.db, name, password))) {
      await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `failed back-office login for "${name.slice(0, 64)}" from ${req.ip}` });
      return loginForm(ctx, res, next, 'Wrong user name or password.');
    }
    const { token, expiresAt } = await createSession(ctx.db, name);
    res.set('Set-Cookie', sessionCookie(token, expiresAt)).redirect(303, next);
  });

  r.post('/logout', async (req, res) => {
    await endSession(ctx.db, readCookie(req.headers.cookie, SESSION_COOKIE));
    res.set('Set-Cookie', clearedSessionCookie()).redirect(303, `${BASE}/login`);
  });
}
