/** The frame of every back-office page: header, language switch, navigation, flash message, content. */
import { html, query, type SafeHtml } from './html.ts';
import { withCsrfFields } from './csrf.ts';
import { LANGS } from '../../sync/i18n.js';
import { t, uiLang, type MessageKey } from './i18n/index.ts';

export const BASE = '/bo';

const NAV: { path: string; label: MessageKey }[] = [
  { path: '/', label: 'nav.dashboard' },
  { path: '/log', label: 'nav.log' },
  { path: '/control', label: 'nav.control' },
  { path: '/documents', label: 'nav.documents' },
  { path: '/entries', label: 'nav.entries' },
  { path: '/open-items', label: 'nav.openItems' },
  { path: '/imports/sales', label: 'nav.importSales' },
  { path: '/imports/bank', label: 'nav.importBank' },
  { path: '/exports', label: 'nav.exports' },
  { path: '/profiles', label: 'nav.profiles' },
  { path: '/einvoicing', label: 'nav.einvoicing' },
  { path: '/exact', label: 'nav.exact' },
  { path: '/nightly', label: 'nav.nightly' },
  { path: '/journal', label: 'nav.journal' },
];
/** Shown to admins only (the pages answer 403 to anyone else). */
const ADMIN_NAV: typeof NAV = [{ path: '/security', label: 'nav.security' }];

export interface PageOptions {
  title: string;
  /** NAV path of the page, to highlight it. */
  active?: string;
  user?: string | null;
  /** The user is an admin: the admin pages are in the menu. */
  admin?: boolean;
  store?: string;
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  body: SafeHtml;
  /** The session's form token: every POST form of the page gets it. */
  csrf?: string;
  /** The page's own path and query, for the language switch to come back to. */
  self?: string;
  /** Extra scripts and style sheets of the page (under BASE/assets/), e.g. the charts. */
  scripts?: string[];
  styles?: string[];
}

/** Links to the same page in each other language (a GET that sets the language cookie). */
function langSwitch(self: string | undefined) {
  const cur = uiLang();
  return html`<nav class="lang" aria-label="${t('layout.language')}">${LANGS.map((l) =>
    l === cur
      ? html`<span aria-current="true" lang="${l}">${t(`lang.${l}` as MessageKey)}</span>`
      : html`<a href="${BASE}/lang${query({ to: l, next: self })}" lang="${l}" hreflang="${l}">${t(`lang.${l}` as MessageKey)}</a>`,
  )}</nav>`;
}

export function page(o: PageOptions): string {
  const nav = o.user
    ? html`<nav class="nav" aria-label="${t('layout.menu')}">${[...NAV, ...(o.admin ? ADMIN_NAV : [])].map((n) => html`<a href="${BASE}${n.path === '/' ? '/' : n.path}" class="${n.path === o.active ? 'active' : ''}" ${n.path === o.active ? html`aria-current="page"` : ''}>${t(n.label)}</a>`)}</nav>`
    : html``;
  const who = o.user
    ? html`<form method="post" action="${BASE}/logout" class="who"><span>${o.user}</span><button type="submit" class="link">${t('layout.logout')}</button></form>`
    : html``;
  return withCsrfFields(html`<!doctype html>
<html lang="${uiLang()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · ${t('layout.product')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${BASE}/assets/backoffice.css">
${(o.styles ?? []).map((s) => html`<link rel="stylesheet" href="${BASE}/assets/${s}">`)}
<script type="module" src="${BASE}/assets/backoffice.js"></script>
${(o.scripts ?? []).map((s) => html`<script src="${BASE}/assets/${s}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">${t('layout.skip')}</a>
<header class="top"><a class="brand" href="${BASE}/">tillsync <small>${o.store ? t('layout.storeBackOffice', { store: o.store }) : t('layout.backOffice')}</small></a>${langSwitch(o.self)}${who}</header>
${nav}
<main id="main">
<h1>${o.title}</h1>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : ''}
${o.body}
</main>
</body>
</html>`.value, o.csrf);
}
