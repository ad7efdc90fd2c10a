/** The back office (server/web/ owns it), mounted on the server's express app by `server start`. */
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Response } from 'express';
import type { ServerContext } from '../context.ts';
import { BASE } from './layout.ts';
import { readCookie, sessionUser, SESSION_COOKIE } from './sessions.ts';
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
import { mountNightly } from './pages/nightly-page.ts';
import { mountJournal } from './pages/journal-page.ts';

const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));

export function mountBackOffice(app: Express, ctx: ServerContext): void {
  const r = express.Router();
  r.use('/assets', express.static(ASSETS, { maxAge: '1h', fallthrough: false }));
  r.use(express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 100_000 }));
  r.use((_req, res, next) => {
    // Pages are self-contained: nothing loads from elsewhere, nothing frames them.
    res.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  mountLogin(r, ctx);
  r.use(async (req: AuthedRequest, res: Response, next: NextFunction) => {
    const user = await sessionUser(ctx.db, readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!user) {
      if (req.method === 'GET' && !req.path.startsWith('/api/')) return res.redirect(303, `${BASE}/login?next=${encodeURIComponent(req.originalUrl)}`);
      return res.status(401).json({ error: { code: 'login-required', message: 'log in to the back office first' } });
    }
    req.user = user;
    next();
  });
  mountDashboard(r, ctx);
  mountLogBook(r, ctx);
  mountControlGrid(r, ctx);
  mountDocuments(r, ctx);
  mountEntries(r, ctx);
  mountOpenItems(r, ctx);
  mountExports(r, ctx);
  mountNightly(r, ctx);
  mountJournal(r, ctx);
  // Express 5 forwards rejected handlers here: one readable page instead of a stack trace.
  r.use((err: unknown, req: AuthedRequest, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    renderPage(req, res, ctx, { title: 'Something went wrong', status: 500, body: html`<p class="flash error">${errorText(err)}</p><p><a href="${BASE}/">Back to the dashboard</a></p>` });
  });
  app.use(BASE, r);
  app.get('/', (_req, res) => res.redirect(302, `${BASE}/`));
}
