/** The frame of every back-office page: header, navigation, flash message, content. */
import { html, type SafeHtml } from './html.ts';
import { withCsrfFields } from './csrf.ts';

export const BASE = '/bo';

const NAV: { path: string; label: string }[] = [
  { path: '/', label: 'Dashboard' },
  { path: '/log', label: 'Log book' },
  { path: '/control', label: 'Control grid' },
  { path: '/documents', label: 'Documents' },
  { path: '/entries', label: 'Journal entries' },
  { path: '/open-items', label: 'Open items' },
  { path: '/exports', label: 'Exports' },
  { path: '/einvoicing', label: 'E-invoicing' },
  { path: '/exact', label: 'Exact Online' },
  { path: '/nightly', label: 'Nightly run' },
  { path: '/journal', label: 'Event journal' },
];

export interface PageOptions {
  title: string;
  /** NAV path of the page, to highlight it. */
  active?: string;
  user?: string | null;
  store?: string;
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  body: SafeHtml;
  /** The session's form token: every POST form of the page gets it. */
  csrf?: string;
}

export function page(o: PageOptions): string {
  const nav = o.user
    ? html`<nav class="nav">${NAV.map((n) => html`<a href="${BASE}${n.path === '/' ? '/' : n.path}" class="${n.path === o.active ? 'active' : ''}">${n.label}</a>`)}</nav>`
    : html``;
  const who = o.user
    ? html`<form method="post" action="${BASE}/logout" class="who"><span>${o.user}</span><button type="submit" class="link">Log out</button></form>`
    : html``;
  return withCsrfFields(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · tillsync back office</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${BASE}/assets/backoffice.css">
<script src="${BASE}/assets/backoffice.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="${BASE}/">tillsync <small>back office${o.store ? html` · store ${o.store}` : ''}</small></a>${who}</header>
${nav}
<main>
<h1>${o.title}</h1>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : ''}
${o.body}
</main>
</body>
</html>`.value, o.csrf);
}
