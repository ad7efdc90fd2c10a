/**
 * The back office's language, per request: t(key, params) over the catalogue of the request's
 * language (fr.ts, en.ts; ICU-style messages formatted by sync/i18n.js). The language is chosen
 * once per request (switch cookie, then Accept-Language, then --lang / server.json ui.lang, else
 * French) and carried by an AsyncLocalStorage, so that templates and formatters deep in a page
 * call t() and amount() without threading it through every function.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { chooseLang, DEFAULT_LANG, formatParts, LANG_COOKIE, parseLang, type Lang } from '../../../sync/i18n.js';
import { escapeHtml, SafeHtml } from '../html.ts';
import { readCookie } from '../sessions.ts';
import type { ServerConfig } from '../../context.ts';
import { fr, type MessageKey } from './fr.ts';
import { en } from './en.ts';

export type { Lang, MessageKey };
export const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { fr, en };

const current = new AsyncLocalStorage<Lang>();

/** The language configured for the shop: server.json `ui.lang` (or `--lang` of server start), else French. */
export function configuredLang(config: ServerConfig): Lang {
  const ui = config.ui as { lang?: unknown } | undefined;
  return parseLang(ui?.lang) ?? DEFAULT_LANG;
}

/** The language of this request's page. */
export function requestLang(req: Request, config: ServerConfig): Lang {
  return chooseLang({ cookie: readCookie(req.headers.cookie, LANG_COOKIE), acceptLanguage: req.headers['accept-language'], configured: configuredLang(config) });
}

/**
 * Middleware: the rest of the request runs in its language. Mounted again after each body
 * parser (a parser's stream callbacks do not carry the async context).
 */
export function inRequestLang(config: ServerConfig) {
  return (req: Request, _res: Response, next: NextFunction) => current.run(requestLang(req, config), next);
}

/** Runs fn in a language (tests: server/web/engine-text.test.ts). */
export function withLang<T>(lang: Lang, fn: () => T): T {
  return current.run(lang, fn);
}

/** The language of the page being rendered (French outside a request). */
export function uiLang(): Lang {
  return current.getStore() ?? DEFAULT_LANG;
}

/** The message as text (html`` escapes it where it lands). */
export function t(key: MessageKey, params: Record<string, unknown> = {}): string {
  return formatParts(CATALOGUES[uiLang()][key], params, uiLang()).map(String).join('');
}

/** The message as markup: its text escaped, params that are SafeHtml (links, <strong>) kept as they are. */
export function th(key: MessageKey, params: Record<string, unknown> = {}): SafeHtml {
  return new SafeHtml(
    formatParts(CATALOGUES[uiLang()][key], params, uiLang())
      .map((p) => (p instanceof SafeHtml ? p.value : escapeHtml(String(p))))
      .join(''),
  );
}

/** A word of a closed list (a status, a kind) in the page's language; a value the catalogue does not know is shown as it is. */
export function label(prefix: 'status' | 'severity' | 'kind' | 'batchKind' | 'verdict', value: string): string {
  const key = `${prefix}.${value}`;
  return key in CATALOGUES[uiLang()] ? t(key as MessageKey) : value;
}
