/**
 * The back office (server/web/ owns it), mounted on the server's express app by `server start`.
 * Doors, in order: same-origin check on anything that changes state (csrf.ts), the login (its own
 * small body cap and throttle), the session, and only then the form body (capped) and its CSRF
 * token. Errors become a page without stack or absolute path; the details go to the log book.
 */
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Express, type NextFunction, type Response } from 'express';
import type { ServerContext } from '../context.ts';
import { BASE } from './layout.ts';
import { readCookie, sessionAccount, SESSION_COOKIE } from './sessions.ts';
import { csrfTokenOf, requireCsrfToken, sameOriginOnly } from './csrf.ts';
import { httpErrorOf } from '../http-error.ts';
import { logEvent } from '../log-book.ts';
import type { ThrottleRules } from './login-throttle.ts';
import { errorText, renderPage, type AuthedRequest } from './respond.ts';
import { html } from './html.ts';
import { mountLogin } from './pages/login-page.ts';
import { mountDashboard } from './pages/dashboard-page.ts';
import { mountLogBook } from './pages/log-book-page.ts';
import { mountControlGrid } from './pages/control-grid-page.ts';
import { mountDocuments } from './pages/documents-page.ts';
import { mountEntries } from './pages/entries-page.ts';
import { mountOpenItems } from './pages/open-items-page.ts';
import { mountExports } from './pages/exports-page.ts';
import { mountProfiles } from './pages/profiles-page.ts';
import { mountNightly } from './pages/nightly-page.ts';
import { mountEinvoicing } from './pages/einvoicing-page.ts';
import { mountJournal } from './pages/journal-page.ts';
import { mountLangSwitch } from './pages/lang-switch.ts';
import { inRequestLang, t } from './i18n/index.ts';
import { mountExact } from './pages/exact-page.ts';
import { mountMarketplaceImport } from './pages/marketplace-import-page.ts';
import { mountBankImport } from './pages/bank-import-page.ts';
import { mountSecurity } from './pages/security-page.ts';
import { multipartForm } from './multipart.ts';

const ASSETS = fileURLToPath(new URL('./assets', import.meta.url));
const UPLOT_DIST = dirname(createRequire(import.meta.url).resolve('uplot'));
const VENDOR: Record<string, string> = { 'uPlot.iife.min.js': join(UPLOT_DIST, 'uPlot.iife.min.js'), 'uPlot.min.css': join(UPLOT_DIST, 'uPlot.min.css') };
/** The product's money module, served as-is for backoffice.js (as the till serves it to the register page): one set of money rules. */
const SHARED_MONEY_FILE = fileURLToPath(new URL('../../sync/scaled-int.js', import.meta.url));

export interface BackOfficeOptions {
  /** Session cookies marked Secure: the server runs TLS. */
  secureCookies?: boolean;
  /** Cap on a back-office form body, after login (bytes; the control grid posts many boxes). */
  maxBodyBytes?: number;
  /** Cap on an uploaded file's form (marketplace report, bank statement), bytes. */
  maxUploadBytes?: number;
  throttle?: ThrottleRules;
}

export function mountBackOffice(app: Express, ctx: ServerContext, opts: BackOfficeOptions = {}): void {
  const r = express.Router();
  // uPlot, the charts' library, from its npm package: served here, nothing loads from a CDN.
  r.get('/assets/vendor/:file', (req, res, next) => {
    const file = VENDOR[String(req.params.file)];
    if (!file) return next();
    res.set('Cache-Control', 'public, max-age=3600').sendFile(file);
  });
  r.get('/assets/scaled-int.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/javascript').sendFile(SHARED_MONEY_FILE);
  });
  r.use('/assets', express.static(ASSETS, { maxAge: '1h', fallthrough: false }));
  r.use((_req, res, next) => {
    // Pages are self-contained: nothing loads from elsewhere, nothing frames them.
    res.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  r.use(sameOriginOnly(ctx));
  r.use(inRequestLang(ctx.config));
  mountLangSwitch(r);
  const throttle = mountLogin(r, ctx, { secureCookies: opts.secureCookies, throttle: opts.throttle });
  r.use(async (req: AuthedRequest, res: Response, next: NextFunction) => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    const account = await sessionAccount(ctx.db, token);
    if (!account || !token) {
      if (req.method === 'GET' && !req.path.startsWith('/api/')) return res.redirect(303, `${BASE}/login?next=${encodeURIComponent(req.originalUrl)}`);
      return res.status(401).json({ error: { code: 'login-required', message: 'log in to the back office first' } });
    }
    req.user = account.name;
    req.role = account.role;
    req.csrf = csrfTokenOf(token);
    next();
  });
  // Bodies are read only for a logged-in session, and capped.
  r.use(express.urlencoded({ extended: false, limit: opts.maxBodyBytes ?? 2 * 1024 * 1024, parameterLimit: 100_000 }));
  r.use(multipartForm({ limit: opts.maxUploadBytes ?? 32 * 1024 * 1024 }));
  // After the body parsers: their callbacks do not carry the request's language.
  r.use(inRequestLang(ctx.config));
  r.use(requireCsrfToken(ctx));
  mountDashboard(r, ctx);
  mountLogBook(r, ctx);
  mountControlGrid(r, ctx);
  mountDocuments(r, ctx);
  mountEntries(r, ctx);
  mountOpenItems(r, ctx);
  mountExports(r, ctx);
  mountProfiles(r, ctx);
  mountNightly(r, ctx);
  mountEinvoicing(r, ctx);
  mountJournal(r, ctx);
  mountExact(r, ctx);
  mountMarketplaceImport(r, ctx);
  mountBankImport(r, ctx);
  mountSecurity(r, ctx, throttle);
  // Express 5 forwards rejected handlers here: one readable page instead of a stack trace.
  r.use((err: unknown, req: AuthedRequest, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const { status, body } = httpErrorOf(err);
    // The details (message with paths, stack) go to the log book only.
    if (status >= 500) void logEvent(ctx.db, ctx.data, { severity: 'error', channel: 'web', message: `${req.method} ${req.originalUrl.split('?')[0]}: ${(err as Error)?.stack ?? String(err)}` }).catch(() => undefined);
    const text = status >= 500 ? t('error.internal') : errorText(err) || body.error.message;
    renderPage(req, res, ctx, { title: status === 413 ? t('error.tooLarge') : t('error.title'), status, body: html`<p class="flash error">${text}</p><p><a href="${BASE}/">${t('error.back')}</a></p>` });
  });
  app.use(BASE, r);
  app.get('/', (_req, res) => res.redirect(302, `${BASE}/`));
}
