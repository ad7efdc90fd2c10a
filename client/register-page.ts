/**
 * Serves the register page with the cashier's token inside it (a <meta name="till-token">), so
 * the token reaches only a page loaded from this till's own origin: another site can neither read
 * this page (no CORS) nor load it under its own name (the Host check of local-api-guard.ts runs
 * first). Never cached, so a token of an earlier run does not linger.
 *
 * The page is in the cashier's language (docs/screens.md): French unless the till is configured
 * otherwise (`till start --lang`), the browser asks for English (Accept-Language), or the switch
 * at the foot of the page (`?lang=en`, kept in a cookie) chose it. Its {{key}} placeholders are
 * filled from client/web/i18n/<lang>.json, and the catalogue goes in the page for register.js.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { chooseLang, LANG_COOKIE, LANGS, parseLang, type Lang } from '../sync/i18n.js';
import { TillsyncError } from '../sync/errors.ts';

export const TOKEN_META = 'till-token';

/** The product's money module (sync/scaled-int.js), which the page imports as-is: one set of money rules, no build step. */
export const SHARED_MONEY_PATH = '/sync/scaled-int.js';
const SHARED_MONEY_FILE = fileURLToPath(new URL('../sync/scaled-int.js', import.meta.url));
/** The languages module (sync/i18n.js), served the same way: one message and amount format for both sides. */
export const SHARED_I18N_PATH = '/sync/i18n.js';
const SHARED_I18N_FILE = fileURLToPath(new URL('../sync/i18n.js', import.meta.url));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** index.html in one language: placeholders filled (escaped), the catalogue inside for the script. */
export function renderRegisterPage(template: string, catalogue: Record<string, string>, lang: Lang, cashierToken: string): string {
  const json = JSON.stringify(catalogue).replace(/</g, '\\u003c');
  return template
    .replace(/\{\{([\w.-]+)\}\}/g, (_m, key: string) => {
      const text = catalogue[key];
      if (text === undefined) throw new Error(`client/web/i18n/${lang}.json has no "${key}" (used by index.html)`);
      return escapeHtml(text);
    })
    .replace('<html lang="fr">', `<html lang="${lang}">`)
    .replace('<meta charset="utf-8">', () => `<meta charset="utf-8">\n<meta name="${TOKEN_META}" content="${cashierToken}">\n<script type="application/json" id="messages">${json}</script>`);
}

/** The till's configured language: `lang` of DATA/ui.json, if any (`till start --lang` overrides it). */
export function configuredRegisterLang(data: string): string | undefined {
  const p = join(data, 'ui.json');
  if (!existsSync(p)) return undefined;
  let lang: unknown;
  try {
    lang = (JSON.parse(readFileSync(p, 'utf8')) as { lang?: unknown }).lang;
  } catch (e) {
    throw new TillsyncError('bad-config', `${p} is not valid JSON: ${(e as Error).message}`, { hint: 'write {"lang": "fr"} or {"lang": "en"}, or remove the file' });
  }
  if (lang !== undefined && !parseLang(lang)) throw new TillsyncError('bad-config', `${p}: unknown language ${JSON.stringify(lang)}`, { hint: `use one of ${LANGS.join(', ')}` });
  return lang as string | undefined;
}

export function registerPageRouter(webDir: string, cashierToken: string, opts: { lang?: string } = {}): Router {
  const template = readFileSync(join(webDir, 'index.html'), 'utf8');
  const pages = new Map<Lang, string>();
  for (const lang of LANGS) {
    const catalogue = JSON.parse(readFileSync(join(webDir, 'i18n', `${lang}.json`), 'utf8')) as Record<string, string>;
    pages.set(lang, renderRegisterPage(template, catalogue, lang, cashierToken));
  }
  const r = express.Router();
  r.get(['/', '/index.html'], (req, res) => {
    // The switch: remember the choice, then the plain address again.
    const asked = parseLang(req.query.lang);
    if (asked) return res.set('Set-Cookie', `${LANG_COOKIE}=${asked}; Path=/; Max-Age=31536000; SameSite=Strict`).redirect(303, '/');
    const lang = chooseLang({ cookie: cookie(req.headers.cookie, LANG_COOKIE), acceptLanguage: req.headers['accept-language'], configured: opts.lang });
    res
      .type('html')
      .set({ 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'", 'Referrer-Policy': 'no-referrer', 'Content-Language': lang, Vary: 'Accept-Language, Cookie' })
      .send(pages.get(lang));
  });
  r.get(SHARED_MONEY_PATH, (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').sendFile(SHARED_MONEY_FILE);
  });
  r.get(SHARED_I18N_PATH, (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').sendFile(SHARED_I18N_FILE);
  });
  r.use(express.static(webDir, { index: false }));
  return r;
}
