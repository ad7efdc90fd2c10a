/**
 * Security, for admins (issue 21): back-office users (add, change a password, disable, enable —
 * the CLI's own functions in users.ts, so the rules are the same), open sessions (revoke), the
 * last login attempts and the addresses/accounts locked by the throttle, and each till's signing
 * keys by fingerprint. No secret is ever on this page: no password hash, no session token (a
 * session is named by a short digest of it), no private key, no till auth secret. Re-keying a
 * lost till hands out a new auth secret, so it stays on the command line (the page says how).
 * Anyone but an admin gets 403.
 */
import type { NextFunction, Response, Router } from 'express';
import type { ServerContext } from '../../context.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { when } from '../format.ts';
import { t, th, type MessageKey } from '../i18n/index.ts';
import { action, redirectWith, renderPage, str, type AuthedRequest } from '../respond.ts';
import { addUser, listUsers, parseRole, setUserDisabled, ROLES, MIN_PASSWORD_LENGTH } from '../users.ts';
import { listSessions, readCookie, revokeSession, sessionIdOf, SESSION_COOKIE } from '../sessions.ts';
import { recentAttempts } from '../login-attempts.ts';
import type { LoginThrottle } from '../login-throttle.ts';
import { keyFingerprint } from '../../../sync/till-keys.ts';
import { logEvent } from '../../log-book.ts';

const PAGE = '/security';

function adminOnly(ctx: ServerContext) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    if (req.role === 'admin') return next();
    void logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `refused ${req.method} ${req.originalUrl.split('?')[0].slice(0, 100)} to non-admin user ${req.user}` }).catch(() => undefined);
    renderPage(req, res, ctx, { title: t('security.forbidden.title'), status: 403, body: html`<p class="flash error">${t('security.forbidden')}</p><p><a href="${BASE}/">${t('error.back')}</a></p>` });
  };
}

const roleLabel = (r: string) => (ROLES.includes(r as never) ? t(`security.role.${r}` as MessageKey) : r);

async function tillKeys(ctx: ServerContext) {
  const tills = await ctx.db.selectFrom('tills').select(['id', 'enrolled_at', 'last_contact_at']).orderBy('id').execute();
  const keys = await ctx.db.selectFrom('till_keys').select(['till_id', 'key_id', 'public_key', 'registered_at', 'registered_via', 'retired_at']).orderBy('till_id').orderBy('registered_at').execute();
  return tills.map((till) => ({ ...till, keys: keys.filter((k) => k.till_id === till.id) }));
}

export function mountSecurity(r: Router, ctx: ServerContext, throttle: LoginThrottle): void {
  r.use(PAGE, adminOnly(ctx));

  r.get(PAGE, async (req: AuthedRequest, res) => {
    const users = await listUsers(ctx.db);
    const sessions = await listSessions(ctx.db);
    const mine = sessionIdOf(readCookie(req.headers.cookie, SESSION_COOKIE) ?? '');
    const attempts = await recentAttempts(ctx.db, 50);
    const locks = throttle.lockedKeys();
    const tills = await tillKeys(ctx);
    const roleOptions = ROLES.map((r) => html`<option value="${r}" ${r === 'staff' ? html`selected` : ''}>${roleLabel(r)}</option>`);
    const active = users.filter((u) => !u.disabledAt);
    const body = html`<p class="muted">${t('security.intro')}</p>
<h2 id="users-title">${t('security.users')}</h2>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="users-title"><table id="users"><caption class="sr-only">${t('security.users')}</caption><thead><tr><th>${t('security.col.user')}</th><th>${t('security.col.role')}</th><th>${t('security.col.created')}</th><th>${t('common.status')}</th><th><span class="sr-only">${t('security.col.actions')}</span></th></tr></thead><tbody>
${users.map(
  (u) => html`<tr data-user="${u.name}" data-role="${u.role}" data-disabled="${u.disabledAt ? 'yes' : 'no'}"><td>${u.name}${u.name === req.user ? html` <span class="muted">${t('security.you')}</span>` : ''}</td><td>${roleLabel(u.role)}</td><td>${when(u.createdAt)}</td>
<td><span class="badge${u.disabledAt ? ' error' : ''}">${u.disabledAt ? t('security.disabledSince', { at: when(u.disabledAt) }) : t('security.active')}</span></td>
<td><form method="post" action="${BASE}${PAGE}/users/${u.disabledAt ? 'enable' : 'disable'}" class="inline"><input type="hidden" name="name" value="${u.name}"><button type="submit" class="secondary" aria-label="${u.disabledAt ? t('security.enable.for', { name: u.name }) : t('security.disable.for', { name: u.name })}">${u.disabledAt ? t('security.enable') : t('security.disable')}</button></form></td></tr>`,
)}</tbody></table></div>
<form method="post" action="${BASE}${PAGE}/users/add" class="toolbar" id="add-user">
  <label>${t('security.col.user')} <input type="text" name="name" required autocomplete="off" pattern="[A-Za-z0-9._@\\-]{1,64}"></label>
  <label>${t('login.password')} <input type="password" name="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password"></label>
  <label>${t('security.col.role')} <select name="role">${roleOptions}</select></label>
  <button type="submit">${t('security.add')}</button>
</form>
<form method="post" action="${BASE}${PAGE}/users/password" class="toolbar" id="set-password">
  <label>${t('security.col.user')} <select name="name">${active.map((u) => html`<option value="${u.name}">${u.name}</option>`)}</select></label>
  <label>${t('security.newPassword')} <input type="password" name="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password"></label>
  <button type="submit" class="secondary">${t('security.setPassword')}</button>
  <span class="muted">${t('security.setPassword.note')}</span>
</form>

<h2 id="sessions-title">${t('security.sessions')}</h2>
${
  sessions.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="sessions-title"><table id="sessions"><caption class="sr-only">${t('security.sessions')}</caption><thead><tr><th>${t('security.col.session')}</th><th>${t('security.col.user')}</th><th>${t('security.col.opened')}</th><th>${t('security.col.expires')}</th><th><span class="sr-only">${t('security.col.actions')}</span></th></tr></thead><tbody>
${sessions.map(
  (s) => html`<tr data-session="${s.id}" data-user="${s.user}"><td><code>${s.id}</code>${s.id === mine ? html` <span class="muted">${t('security.thisSession')}</span>` : ''}</td><td>${s.user}</td><td>${when(s.createdAt)}</td><td>${when(s.expiresAt)}</td>
<td><form method="post" action="${BASE}${PAGE}/sessions/revoke" class="inline"><input type="hidden" name="id" value="${s.id}"><button type="submit" class="secondary" aria-label="${t('security.revoke.for', { id: s.id, user: s.user })}">${t('security.revoke')}</button></form></td></tr>`,
)}</tbody></table></div>`
    : html`<p class="empty">${t('security.noSession')}</p>`
}

<h2 id="attempts-title">${t('security.attempts')}</h2>
${
  locks.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('security.locked')}"><table id="locked"><caption>${t('security.locked')}</caption><thead><tr><th>${t('common.kind')}</th><th>${t('security.col.who')}</th><th class="num">${t('security.col.failures')}</th><th>${t('security.col.until')}</th></tr></thead><tbody>
${locks.map((l) => html`<tr data-locked="${l.who}"><td>${t(`security.lock.${l.kind}` as MessageKey)}</td><td>${l.who}</td><td class="num">${l.failures}</td><td>${when(new Date(l.until).toISOString())}</td></tr>`)}</tbody></table></div>`
    : html`<p class="muted" id="no-lock">${t('security.noLock')}</p>`
}
${
  attempts.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="attempts-title"><table id="attempts"><caption class="sr-only">${t('security.attempts')}</caption><thead><tr><th>${t('common.date')}</th><th>${t('security.col.typedName')}</th><th>${t('security.col.address')}</th><th>${t('security.col.outcome')}</th></tr></thead><tbody>
${attempts.map((a) => html`<tr data-outcome="${a.outcome}" data-name="${a.name}"><td>${when(a.at)}</td><td>${a.name}</td><td>${a.address}</td><td><span class="badge${a.outcome === 'ok' ? '' : ' error'}">${['ok', 'wrong', 'throttled'].includes(a.outcome) ? t(`security.outcome.${a.outcome}` as MessageKey) : a.outcome}</span></td></tr>`)}</tbody></table></div>`
    : html`<p class="empty">${t('security.noAttempt')}</p>`
}

<h2 id="keys-title">${t('security.tillKeys')}</h2>
${
  tills.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="keys-title"><table id="till-keys"><caption class="sr-only">${t('security.tillKeys')}</caption><thead><tr><th>${t('common.till')}</th><th>${t('security.col.enrolled')}</th><th>${t('security.col.lastContact')}</th><th>${t('security.col.fingerprint')}</th><th>${t('security.col.registered')}</th><th>${t('common.status')}</th></tr></thead><tbody>
${tills.map((till) =>
  till.keys.length
    ? till.keys.map(
        (k) => html`<tr data-till="${till.id}" data-key="${k.key_id}"><td>${till.id}</td><td>${when(till.enrolled_at)}</td><td>${when(till.last_contact_at)}</td><td><code class="fingerprint">${keyFingerprint(k.public_key)}</code></td><td>${t('security.registeredVia', { at: when(k.registered_at), via: ['first-contact', 'package', 'key-change', 'enrolment'].includes(k.registered_via) ? t(`security.via.${k.registered_via}` as MessageKey) : k.registered_via })}</td><td><span class="badge${k.retired_at ? ' error' : ''}">${k.retired_at ? t('security.retiredOn', { at: when(k.retired_at) }) : t('security.keyActive')}</span></td></tr>`,
      )
    : html`<tr data-till="${till.id}"><td>${till.id}</td><td>${when(till.enrolled_at)}</td><td>${when(till.last_contact_at)}</td><td colspan="3" class="muted">${t('security.noKey')}</td></tr>`,
)}</tbody></table></div>
<p class="muted">${th('security.rekey', { command: html`<code>tillsync server enroll-till --data DIR --till 01 --rotate --reset-key</code>`, rotate: html`<code>tillsync till rotate-key</code>` })}</p>`
    : html`<p class="empty">${t('security.noTill')}</p>`
}`;
    renderPage(req, res, ctx, { title: t('nav.security'), active: PAGE, body });
  });

  const who = (req: AuthedRequest) => `by back-office admin ${req.user}`;

  r.post(
    `${PAGE}/users/add`,
    action(PAGE, async (req, res) => {
      const name = str(req.body?.name);
      const password = typeof req.body?.password === 'string' ? req.body.password : '';
      if (await ctx.db.selectFrom('web_users').select('name').where('name', '=', name).executeTakeFirst()) return redirectWith(res, PAGE, 'err', t('security.exists', { name }));
      const out = await addUser(ctx.db, name, password, { role: parseRole(str(req.body?.role)) });
      await logEvent(ctx.db, ctx.data, { severity: 'info', channel: 'web', message: `back-office user ${out.name} (${out.role}) created ${who(req)}` });
      redirectWith(res, PAGE, 'ok', t('security.added', { name: out.name, role: roleLabel(out.role) }));
    }),
  );

  r.post(
    `${PAGE}/users/password`,
    action(PAGE, async (req, res) => {
      const name = str(req.body?.name);
      const password = typeof req.body?.password === 'string' ? req.body.password : '';
      if (!(await ctx.db.selectFrom('web_users').select('name').where('name', '=', name).executeTakeFirst())) return redirectWith(res, PAGE, 'err', t('security.noSuchUser', { name }));
      await addUser(ctx.db, name, password);
      await logEvent(ctx.db, ctx.data, { severity: 'info', channel: 'web', message: `password of back-office user ${name} changed ${who(req)} (its sessions ended)` });
      // Changing one's own password ends one's own session too: log in again.
      redirectWith(res, name === req.user ? '/login' : PAGE, 'ok', t('security.passwordSet', { name }));
    }),
  );

  for (const verb of ['disable', 'enable'] as const) {
    r.post(
      `${PAGE}/users/${verb}`,
      action(PAGE, async (req, res) => {
        const name = str(req.body?.name);
        const out = await setUserDisabled(ctx.db, name, verb === 'disable');
        if (out.changed) await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `back-office user ${name} ${verb}d ${who(req)}` });
        redirectWith(res, PAGE, 'ok', t(verb === 'disable' ? 'security.disabled' : 'security.enabled', { name }));
      }),
    );
  }

  r.post(
    `${PAGE}/sessions/revoke`,
    action(PAGE, async (req, res) => {
      const id = str(req.body?.id);
      const done = await revokeSession(ctx.db, id);
      if (done) await logEvent(ctx.db, ctx.data, { severity: 'warning', channel: 'web', message: `back-office session ${id} revoked ${who(req)}` });
      redirectWith(res, id === sessionIdOf(readCookie(req.headers.cookie, SESSION_COOKIE) ?? '') ? '/login' : PAGE, done ? 'ok' : 'err', t(done ? 'security.revoked' : 'security.noSuchSession', { id }));
    }),
  );
}
