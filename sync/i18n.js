// @ts-check
/**
 * The screens' languages: message formatting (ICU-style `{n, plural, …}` and `{x, select, …}`),
 * the choice of language, and amounts and dates in that language. One browser-safe module (plain
 * JS, JSDoc-typed, no imports), like scaled-int.js: the back office (server/web/i18n/) renders with
 * it and the register page (served as-is by the till at /sync/i18n.js) formats with the same code.
 * Amounts are formatted from their decimal text (Intl.NumberFormat reads a string exactly), never
 * through a float. The CLI does not use it: its output stays English (docs/screens.md).
 */

/** @typedef {'fr' | 'en'} Lang */

/** @type {readonly Lang[]} */
export const LANGS = ['fr', 'en'];
/** @type {Lang} */
export const DEFAULT_LANG = 'fr';
/** Name of the cookie set by the language switch of the pages. */
export const LANG_COOKIE = 'tillsync_lang';

/** @type {Record<Lang, string>} */
const LOCALE = { fr: 'fr-FR', en: 'en-GB' };

/**
 * "fr", "fr-FR", "EN_us" → a language we have, or null.
 * @param {unknown} text
 * @returns {Lang | null}
 */
export function parseLang(text) {
  if (typeof text !== 'string') return null;
  const base = text.trim().toLowerCase().split(/[-_;]/)[0];
  return /** @type {Lang[]} */ (LANGS).find((l) => l === base) ?? null;
}

/**
 * The best of our languages in an Accept-Language header (by q weight), or null.
 * @param {string | undefined | null} header
 * @returns {Lang | null}
 */
export function langFromAcceptLanguage(header) {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...ps] = part.trim().split(';');
      const q = ps.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { lang: parseLang(tag), q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.lang && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.lang ?? null;
}

/**
 * The page's language: the switch on the page (cookie) first, then the browser's
 * Accept-Language, then what the shop configured (--lang, server.json ui.lang, till config), else French.
 * @param {{ cookie?: string | null, acceptLanguage?: string | null, configured?: string | null }} from
 * @returns {Lang}
 */
export function chooseLang(from) {
  return parseLang(from.cookie) ?? langFromAcceptLanguage(from.acceptLanguage) ?? parseLang(from.configured) ?? DEFAULT_LANG;
}

// ---------- messages ----------
/**
 * @typedef {{ text: string } | { arg: string } | { arg: string, kind: 'plural' | 'select', offset: number, cases: Record<string, Node[]> } | { hash: true }} Node
 */

/** @type {Map<string, Node[]>} */
const parsed = new Map();

/**
 * @param {string} s
 * @param {number} i
 * @param {boolean} inPlural
 * @returns {[Node[], number]}
 */
function parseNodes(s, i, inPlural) {
  /** @type {Node[]} */
  const out = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ text });
    text = '';
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '}') break;
    // Apostrophes are plain text (French is full of them): no ICU quoting; messages never need a literal brace.
    if (c === '#' && inPlural) {
      flush();
      out.push({ hash: true });
      i++;
      continue;
    }
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    flush();
    const close = s.indexOf('}', i);
    const comma = s.indexOf(',', i);
    if (close < 0) throw new Error(`message "${s}": "{" at ${i} is never closed`);
    if (comma < 0 || comma > close) {
      out.push({ arg: s.slice(i + 1, close).trim() });
      i = close + 1;
      continue;
    }
    const arg = s.slice(i + 1, comma).trim();
    const comma2 = s.indexOf(',', comma + 1);
    const kind = s.slice(comma + 1, comma2).trim();
    if ((kind !== 'plural' && kind !== 'select') || comma2 < 0) throw new Error(`message "${s}": only {x}, {x, plural, …} and {x, select, …} are known`);
    i = comma2 + 1;
    /** @type {Record<string, Node[]>} */
    const cases = {};
    let offset = 0;
    for (;;) {
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] === '}') {
        i++;
        break;
      }
      const m = /^(offset:\d+|=?[\w-]+)\s*/.exec(s.slice(i));
      if (!m) throw new Error(`message "${s}": a case name is expected at ${i}`);
      i += m[0].length;
      if (m[1].startsWith('offset:')) {
        offset = Number(m[1].slice(7));
        continue;
      }
      if (s[i] !== '{') throw new Error(`message "${s}": case "${m[1]}" needs {…}`);
      const [nodes, end] = parseNodes(s, i + 1, kind === 'plural' || inPlural);
      cases[m[1]] = nodes;
      i = end + 1;
    }
    if (!cases.other) throw new Error(`message "${s}": a {${arg}, ${kind}} needs an "other" case`);
    out.push({ arg, kind, offset, cases });
  }
  flush();
  return [out, i];
}

/** @param {string} pattern */
function nodesOf(pattern) {
  let n = parsed.get(pattern);
  if (!n) {
    const [nodes, end] = parseNodes(pattern, 0, false);
    if (end < pattern.length) throw new Error(`message "${pattern}": unbalanced "}" at ${end}`);
    parsed.set(pattern, (n = nodes));
  }
  return n;
}

/**
 * A message as parts: text, and the params as given (so a caller can insert markup it trusts).
 * Numbers are written in the language's way ("1 234"); `#` in a plural is the count.
 * @param {string} pattern
 * @param {Record<string, unknown>} params
 * @param {Lang} lang
 * @returns {unknown[]}
 */
export function formatParts(pattern, params, lang) {
  /** @type {unknown[]} */
  const out = [];
  const num = (/** @type {unknown} */ v) => (typeof v === 'number' ? new Intl.NumberFormat(LOCALE[lang]).format(v) : v);
  /** @param {Node[]} nodes @param {number | null} count */
  const walk = (nodes, count) => {
    for (const n of nodes) {
      if ('text' in n) out.push(n.text);
      else if ('hash' in n) out.push(num(count ?? 0));
      else if (!('kind' in n)) {
        if (!(n.arg in params)) throw new Error(`message "${pattern}" needs the parameter "${n.arg}"`);
        out.push(num(params[n.arg]));
      } else if (n.kind === 'select') {
        const v = String(params[n.arg]);
        walk(n.cases[v] ?? n.cases.other, count);
      } else {
        const v = Number(params[n.arg]);
        if (!Number.isFinite(v)) throw new Error(`message "${pattern}": "${n.arg}" must be a number`);
        const exact = n.cases[`=${v}`];
        walk(exact ?? n.cases[new Intl.PluralRules(LOCALE[lang]).select(v - n.offset)] ?? n.cases.other, v - n.offset);
      }
    }
  };
  walk(nodesOf(pattern), null);
  return out;
}

/**
 * @param {string} pattern
 * @param {Record<string, unknown>} [params]
 * @param {Lang} [lang]
 */
export function formatMessage(pattern, params = {}, lang = DEFAULT_LANG) {
  return formatParts(pattern, params, lang).map(String).join('');
}

/**
 * t(key, params) over one catalogue. A key missing from the catalogue is a bug: it throws, so
 * tests find it (both catalogues are checked to have the same keys).
 * @param {Lang} lang
 * @param {Record<string, string>} catalogue
 */
export function translator(lang, catalogue) {
  /** @param {string} key @param {Record<string, unknown>} [params] */
  return (key, params = {}) => {
    const pattern = catalogue[key];
    if (pattern === undefined) throw new Error(`no message "${key}" in the ${lang} catalogue`);
    return formatMessage(pattern, params, lang);
  };
}

// ---------- amounts and dates ----------
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Decimal text as the language writes money: fr "1 234,56 €", en "€1,234.56". The text goes to
 * Intl as a string, which reads it exactly; text that is not plain decimal is shown as it is.
 * @param {string | number | null | undefined} text
 * @param {Lang} lang
 * @param {{ currency?: string | null, decimals?: number }} [o] currency null: the number alone
 */
export function formatAmount(text, lang, o = {}) {
  if (text === null || text === undefined || text === '') return '';
  const s = String(text).trim();
  if (!PLAIN_DECIMAL.test(s)) return s;
  const decimals = o.decimals ?? 2;
  const currency = o.currency === undefined ? 'EUR' : o.currency;
  const f = new Intl.NumberFormat(LOCALE[lang], {
    ...(currency ? { style: 'currency', currency } : {}),
    minimumFractionDigits: decimals,
    maximumFractionDigits: Math.max(decimals, (s.split('.')[1] ?? '').length),
  });
  return f.format(/** @type {any} */ (s));
}

/**
 * "2024-03-05" or an ISO time → fr "05/03/2024", en "05/03/2024"… en-GB writes dd/mm/yyyy too; the
 * US order is never used. With time: "05/03/2024 14:02" in the local time zone.
 * @param {string | null | undefined} iso
 * @param {Lang} lang
 * @param {{ time?: boolean }} [o]
 */
export function formatDate(iso, lang, o = {}) {
  if (!iso) return '';
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (day && !o.time) return new Intl.DateTimeFormat(LOCALE[lang], { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[lang], { day: '2-digit', month: '2-digit', year: 'numeric', ...(o.time ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}) })
    .format(d)
    .replace(',', '');
}

/**
 * A plain number in the language ("1 234,5" / "1,234.5"), from decimal text, exactly; trailing
 * zeros go unless `minDecimals` keeps them (a duration "0.00" s stays "0,00").
 * @param {string | number} text
 * @param {Lang} lang
 * @param {number} [minDecimals]
 */
export function formatNumber(text, lang, minDecimals = 0) {
  const s = String(text);
  if (!PLAIN_DECIMAL.test(s)) return s;
  return new Intl.NumberFormat(LOCALE[lang], { minimumFractionDigits: minDecimals, maximumFractionDigits: 20 }).format(/** @type {any} */ (s));
}

/**
 * The parameters a message uses, with how ('plural', 'select' or 'text'): the catalogues' test
 * checks that each language asks for the same ones.
 * @param {string} pattern
 * @returns {Record<string, 'plural' | 'select' | 'text'>}
 */
export function messageParams(pattern) {
  /** @type {Record<string, 'plural' | 'select' | 'text'>} */
  const out = {};
  /** @param {Node[]} nodes */
  const walk = (nodes) => {
    for (const n of nodes) {
      if ('kind' in n) {
        out[n.arg] = n.kind;
        Object.values(n.cases).forEach(walk);
      } else if ('arg' in n) out[n.arg] ??= 'text';
    }
  };
  walk(nodesOf(pattern));
  return out;
}
