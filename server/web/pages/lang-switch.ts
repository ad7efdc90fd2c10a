/**
 * The language switch of every page (layout.ts): GET /bo/lang?to=en&next=/bo/… remembers the
 * choice in a cookie (a year) and goes back to the page. Open before login (the login page has
 * the switch too); it changes nothing on the server, and `next` only goes back into the back office.
 */
import type { Router } from 'express';
import { LANG_COOKIE, parseLang } from '../../../sync/i18n.js';
import { BASE } from '../layout.ts';

export function mountLangSwitch(r: Router): void {
  r.get('/lang', (req, res) => {
    const lang = parseLang(req.query.to);
    const next = typeof req.query.next === 'string' && req.query.next.startsWith(`${BASE}/`) && !req.query.next.startsWith('//') && !req.query.next.includes('\\') ? req.query.next : `${BASE}/`;
    if (lang) res.append('Set-Cookie', `${LANG_COOKIE}=${lang}; Path=${BASE}; Max-Age=31536000; SameSite=Lax`);
    res.redirect(303, next);
  });
}
