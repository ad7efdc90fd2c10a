/**
 * Serves the register page with the cashier's token inside it (a <meta name="till-token">), so
 * the token reaches only a page loaded from this till's own origin: another site can neither read
 * this page (no CORS) nor load it under its own name (the Host check of local-api-guard.ts runs
 * first). Never cached, so a token of an earlier run does not linger.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

export const TOKEN_META = 'till-token';

/** The product's money module (sync/scaled-int.js), which the page imports as-is: one set of money rules, no build step. */
export const SHARED_MONEY_PATH = '/sync/scaled-int.js';
const SHARED_MONEY_FILE = fileURLToPath(new URL('../sync/scaled-int.js', import.meta.url));

export function registerPageRouter(webDir: string, cashierToken: string): Router {
  const template = readFileSync(join(webDir, 'index.html'), 'utf8');
  const html = template.replace('<meta charset="utf-8">', `<meta charset="utf-8">\n<meta name="${TOKEN_META}" content="${cashierToken}">`);
  const r = express.Router();
  r.get(['/', '/index.html'], (_req, res) => {
    res.type('html').set({ 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'", 'Referrer-Policy': 'no-referrer' }).send(html);
  });
  r.get(SHARED_MONEY_PATH, (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').sendFile(SHARED_MONEY_FILE);
  });
  r.use(express.static(webDir, { index: false }));
  return r;
}
