// @ts-check
// tillsync register page: talks only to the till's own API on localhost, so it keeps selling when
// the store server is gone. Amounts on screen are estimates in integer cents (never floats); the
// till computes the real ticket and the page prints what the till returns.

// The product's money module, served by the till at /sync/scaled-int.js: from /register.js the
// browser resolves this path to it (a URL never climbs above its root), and tsc to the file in sync/.
import { addExact, divRoundHalfUp, formatScaled, mulExact, toScaled } from '../../sync/scaled-int.js';
// The screens' languages (sync/i18n.js, served at /sync/i18n.js the same way): messages and amounts.
import { formatAmount, formatNumber, translator } from '../../sync/i18n.js';

// The page's language and its catalogue, written into the page by the till (client/register-page.ts).
const LANG = document.documentElement.lang === 'en' ? 'en' : 'fr';
const t = translator(LANG, JSON.parse(document.getElementById('messages')?.textContent || '{}'));

/**
 * @typedef {{ percent: string } | { amount: string }} Discount
 * @typedef {{ article: string, label: string, barcode?: string, qtyText: string, qtyMilli: number, unitPrice: string, ret: boolean, discount?: Discount | null, discountText?: string }} Line
 * @typedef {{ kind: string, ref: string, amount: string }} Settlement
 * @typedef {{ mode: string, label: string, amount: string, ref?: string }} Payment
 * @typedef {{ code: string, label?: string, depositVoucher?: boolean }} PaymentMode
 * @typedef {{ code: string, label: string, barcode?: string, price: string }} Article
 * @typedef {{ code: string, name: string }} Customer
 * @typedef {HTMLUListElement & { _items?: any[], _pick?: (item: any) => void }} SuggestionList
 */

/**
 * The element of the page with this id, of the expected kind; a page missing it is a broken install, said once.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [kind]
 * @returns {T}
 */
function $(id, kind) {
  const e = document.getElementById(id);
  if (!e || !(e instanceof (kind ?? HTMLElement))) throw new Error(`the register page has no #${id}: reinstall client/web/index.html`);
  return /** @type {T} */ (e);
}
/** @param {string} id */
const input = (id) => $(id, HTMLInputElement);
/** @param {string} id */
const suggestList = (id) => /** @type {SuggestionList} */ ($(id, HTMLUListElement));
/** @param {string} id */
const button = (id) => $(id, HTMLButtonElement);
/** @param {string} id */
const table = (id) => $(id, HTMLTableElement);
/** @param {unknown} e */
const messageOf = (e) => (e instanceof Error ? e.message : String(e));

// ---------- money: the product's scaled-integer rules (sync/scaled-int.js), 1/100 for money, 1/1000 for quantities ----------
// Typed by a cashier: a decimal comma is taken as a point ("100,69"); then exactly the product's
// rules: at most two decimals, no exponent or blanks, half away from zero, and never past a safe integer.
const MONEY_RE = /^-?\d{1,12}([.,]\d{1,2})?$/;
const QTY_RE = /^\d{1,9}([.,]\d{1,3})?$/;

/**
 * Exact, or the page refuses to go on with that amount (RangeError, said to the cashier).
 * @param {number | null} v
 * @returns {number}
 */
function exact(v) {
  if (v === null) throw new RangeError(t('error.inexact'));
  return v;
}
/**
 * Decimal text (a point or a comma) × 10^decimals, exact or RangeError.
 * @param {unknown} text
 * @param {number} decimals
 */
const scaled = (text, decimals) => exact(toScaled(String(text).trim().replace(',', '.'), decimals));
/** @param {unknown} text */
const cents = (text) => scaled(text, 2);
/** @param {number} c */
const fmtCents = (c) => formatScaled(c, 2);
/**
 * qty (thousandths) × unit price (cents), rounded half away from zero, like a per-line till.
 * @param {number} qtyMilli
 * @param {number} unitCents
 */
const lineCents = (qtyMilli, unitCents) => exact(divRoundHalfUp(exact(mulExact(qtyMilli, unitCents)), 1000));
/** An amount from the till shown at cents; text the page cannot read exactly is shown as the till wrote it. @param {string | null | undefined} text */
const money = (text) => {
  const c = toScaled(String(text ?? '0').trim(), 2);
  return c === null ? String(text) : showCents(c);
};
/** Cents as the cashier reads them: "1 234,56" in French, "1,234.56" in English (Intl reads the decimal text exactly). @param {number} c */
const showCents = (c) => formatAmount(fmtCents(c), LANG, { currency: null });
/** Decimal text from the till, in the page's language; text it cannot read stays as it is. @param {unknown} text */
const showText = (text) => formatAmount(String(text ?? ''), LANG, { currency: null });
/** A quantity or a rate as it is, in the page's language ("1,5"). @param {unknown} text */
const showQty = (text) => formatNumber(String(text ?? ''), LANG);

/**
 * A line discount as the cashier types it: "10%" (a percentage) or "0.12" (an amount off the whole
 * line). Returns the sale JSON's discount, or null when empty; throws a message when malformed.
 */
const PERCENT_RE = /^\d{1,3}([.,]\d{1,4})?\s*%$/;
/**
 * @param {unknown} text
 * @returns {Discount | null}
 */
function parseDiscount(text) {
  const txt = String(text ?? '').trim();
  if (!txt) return null;
  if (PERCENT_RE.test(txt)) {
    const p = txt.replace('%', '').trim().replace(',', '.');
    const p4 = scaled(p, 4); // percent × 10^4, exact
    if (p4 <= 0 || p4 > 100 * 10_000) throw new Error(t('error.discountPercent', { text: txt }));
    return { percent: p };
  }
  if (MONEY_RE.test(txt) && cents(txt) > 0) return { amount: fmtCents(cents(txt)) };
  throw new Error(t('error.discount', { text: txt }));
}
/**
 * The line's discount in cents (estimate; the till computes the real one, rounded the same way:
 * sync/ticket-math.ts lineDiscount, round(gross × percent / 100) half away from zero).
 * @param {Line} l
 * @param {number} grossCents
 */
function discountCents(l, grossCents) {
  if (!l.discount) return 0;
  const abs = Math.abs(grossCents);
  let d;
  if ('percent' in l.discount) d = exact(divRoundHalfUp(exact(mulExact(abs, scaled(l.discount.percent, 4))), 100 * 10_000));
  else d = cents(l.discount.amount);
  if (d > abs) d = abs;
  return grossCents < 0 ? -d : d;
}
/** @param {Line} l */
function lineNetCents(l) {
  const gross = (l.ret ? -1 : 1) * lineCents(l.qtyMilli, cents(l.unitPrice));
  return gross - discountCents(l, gross);
}

// ---------- the till API ----------
// The cashier's token comes inside this page (till start writes it into index.html): every call
// carries it, and every POST is JSON, as the till's doors require.
const TILL_TOKEN = document.querySelector('meta[name="till-token"]')?.getAttribute('content') ?? '';
/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>} the till's JSON answer
 */
async function api(method, path, body, signal) {
  let res;
  const post = method !== 'GET';
  try {
    res = await fetch(path, { method, signal, headers: { 'X-Till-Token': TILL_TOKEN, ...(post ? { 'Content-Type': 'application/json' } : {}) }, body: post ? JSON.stringify(body ?? {}) : undefined });
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    throw new Error(t('error.tillDown'));
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: { message: text.slice(0, 200) } };
  }
  if (!res.ok) {
    const err = data?.error ?? data ?? {};
    throw new Error(`${err.message ?? `HTTP ${res.status}`}${err.hint ? ` (${err.hint})` : ''}`);
  }
  return data;
}

// ---------- the technical-event journal: what only the page sees (docs/nf525.md S-4) ----------
// The till accepts from the page only line-cancelled, cashier-open and cashier-close. A journal line
// that cannot be sent is shown, never blocks the cashier.
/**
 * @param {'line-cancelled' | 'cashier-open' | 'cashier-close'} type
 * @param {Record<string, string>} data
 */
async function journal(type, data) {
  try {
    await api('POST', '/api/till/journal', { type, data });
  } catch (e) {
    say(t('error.journal', { type, message: messageOf(e) }));
  }
}
/** A line removed before payment: its article, quantity and the amount it had on screen. @param {Line} l */
function lineCancelled(l) {
  return journal('line-cancelled', { article: l.article, qty: l.ret ? `-${l.qtyText}` : l.qtyText, amount: fmtCents(lineNetCents(l)), ...(state.cashier ? { cashier: state.cashier } : {}) });
}
/** The cashier's name typed in the banner opens a session; a new name or closing the page ends it. */
/** @param {string} name */
async function setCashier(name) {
  const next = name.trim();
  if (next === state.cashier) return;
  const prev = state.cashier;
  state.cashier = next;
  if (prev) await journal('cashier-close', { cashier: prev });
  if (next) await journal('cashier-open', { cashier: next });
}
function closeCashierOnExit() {
  if (!state.cashier) return;
  // keepalive lets the request outlive the page (sendBeacon cannot carry the token header).
  fetch('/api/till/journal', { method: 'POST', keepalive: true, headers: { 'X-Till-Token': TILL_TOKEN, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'cashier-close', data: { cashier: state.cashier, reason: 'page closed' } }) }).catch(() => {});
  state.cashier = '';
}

// ---------- state ----------
/**
 * @type {{ lines: Line[], settlements: Settlement[], customer: Customer | null, payments: Payment[], returnMode: boolean,
 *   modes: PaymentMode[], counterCustomer: string | null, status: any, busy: boolean, cashier: string, change: number, lastPackage?: string }}
 */
const state = {
  lines: [],
  settlements: [], // kind: 'invoice' | 'deposit'
  customer: null,
  payments: [],
  returnMode: false,
  modes: [],
  counterCustomer: null,
  status: null,
  busy: false,
  cashier: '',
  change: 0, // cents of cash to hand back, shown only
};

function dueCents() {
  const goods = state.lines.reduce((s, l) => exact(addExact(s, lineNetCents(l))), 0);
  return state.settlements.reduce((s, x) => exact(addExact(s, cents(x.amount))), goods);
}
const paidCents = () => state.payments.reduce((s, p) => exact(addExact(s, cents(p.amount))), 0);

/**
 * Applies a change to the sale unless its amounts leave exact arithmetic (a price the page cannot
 * read exactly, a total past a safe integer): then undoes it and says why. Nothing is rounded silently.
 * @param {[apply: () => unknown, undo: () => unknown]} change
 * @returns {boolean} whether the change stays
 */
function changeSale([apply, undo]) {
  try {
    apply();
    dueCents();
    paidCents();
    return true;
  } catch (e) {
    undo();
    say(t('error.notAdded', { message: messageOf(e) }));
    return false;
  }
}

// ---------- small UI helpers ----------
/**
 * An element with attributes (`class`, `on…` listeners, others as attributes) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children nodes, text, arrays of them; null/undefined/false are skipped
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** @param {string} text @param {boolean} [ok] */
function say(text, ok = false) {
  const m = $('message');
  m.textContent = text;
  m.className = `message${ok ? ' ok' : ''}`;
  m.hidden = !text;
}

/**
 * @param {() => void | Promise<void>} fn
 * @param {number} ms
 */
function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  return () => {
    clearTimeout(t);
    t = setTimeout(() => fn(), ms);
  };
}

// ---------- status banner ----------
/** The banner: degraded mode, unsynced and degraded counts, from GET /api/till/status. */
async function refreshStatus() {
  const banner = $('banner');
  try {
    const s = await api('GET', '/api/till/status');
    state.status = s;
    const counts = s.counts ?? {};
    const unsynced = Number(counts.untransferred ?? 0);
    const degradedCount = Number(counts.degraded ?? 0);
    const mode = s.server ? (s.serverOnline === false ? 'degraded' : s.serverOnline ? 'online' : 'checking') : 'standalone';
    $('till-name').textContent = t('banner.tillName', { till: `${s.store}-${s.till}` });
    $('till-day').textContent = t('banner.day', { last: s.lastNumber, open: Number(s.openTickets ?? 0) });
    banner.className = `banner ${mode === 'degraded' ? 'degraded' : mode === 'online' ? 'online' : 'unknown'}`;
    const [head, sub] = [t(`mode.${mode}`), t(`mode.${mode}.sub`)];
    $('conn').replaceChildren(el('strong', {}, head), el('span', {}, sub));
    const u = $('unsynced');
    u.textContent = t('banner.unsynced', { n: unsynced, degraded: degradedCount });
    u.classList.toggle('some', unsynced > 0);
    banner.dataset.mode = mode;
    const training = Boolean(s.fiscal?.training);
    $('training-banner').hidden = !training;
    document.body.classList.toggle('training', training);
    banner.dataset.training = String(training);
    banner.dataset.unsynced = String(unsynced);
    banner.dataset.degraded = String(degradedCount);
  } catch (e) {
    banner.className = 'banner degraded';
    banner.dataset.mode = 'till-down';
    $('conn').replaceChildren(el('strong', {}, t('mode.down')), el('span', {}, messageOf(e)));
  }
}

async function loadModes() {
  try {
    const res = await api('GET', '/api/till/payment-modes');
    state.modes = res.paymentModes ?? [];
    state.counterCustomer = res.counterCustomer ?? null;
    renderModes();
    renderCustomer();
  } catch (e) {
    say(t('error.modes', { message: messageOf(e) }));
    setTimeout(loadModes, 3000);
  }
}

function tickClock() {
  const d = new Date();
  $('clock').textContent = d.toLocaleString(LANG === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

// ---------- articles ----------
/** @type {AbortController | null} */
let suggestAbort = null;
/**
 * @param {string} q
 * @param {AbortSignal} [signal]
 * @returns {Promise<Article[]>}
 */
async function findArticles(q, signal) {
  const res = await api('GET', `/api/till/articles?q=${encodeURIComponent(q)}&limit=20`, null, signal);
  return res.articles ?? [];
}

let suggestionIndex = -1;
/**
 * @template T
 * @param {SuggestionList} list
 * @param {T[]} items
 * @param {(item: T) => HTMLElement[]} render
 * @param {(item: T) => void} pick
 */
function showSuggestions(list, items, render, pick) {
  list.replaceChildren(...items.map((it, i) => el('li', { 'data-i': i, onmousedown: (/** @type {MouseEvent} */ ev) => { ev.preventDefault(); pick(it); } }, ...render(it))));
  list.hidden = items.length === 0;
  list._items = items;
  list._pick = pick;
  suggestionIndex = -1;
}
/** @param {SuggestionList} list @param {number} delta */
function moveSuggestion(list, delta) {
  if (list.hidden || !list._items?.length) return false;
  suggestionIndex = (suggestionIndex + delta + list._items.length) % list._items.length;
  Array.from(list.children).forEach((li, i) => li.classList.toggle('active', i === suggestionIndex));
  list.children[suggestionIndex]?.scrollIntoView({ block: 'nearest' });
  return true;
}
/** @param {SuggestionList} list */
function hide(list) {
  list.hidden = true;
  list._items = [];
}

const articleRow = (/** @type {Article} */ a) => [el('span', { class: 'code' }, a.code), el('span', { class: 'label' }, a.label), el('span', { class: 'price' }, money(a.price))];
const QTY_PREFIX = /^(\d+(?:[.,]\d+)?)\*/;

const suggestArticles = debounce(async () => {
  const q = input('scan').value.replace(QTY_PREFIX, '').trim();
  suggestAbort?.abort();
  if (q.length < 2) return hide(suggestList('suggestions'));
  suggestAbort = new AbortController();
  try {
    const items = await findArticles(q, suggestAbort.signal);
    if (input('scan').value.replace(QTY_PREFIX, '').trim() !== q) return; // typed on meanwhile
    showSuggestions(suggestList('suggestions'), items, articleRow, (a) => {
      const qty = input('qty').value.trim() || '1';
      input('scan').value = '';
      addArticle(a, qty, state.returnMode);
    });
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AbortError')) say(messageOf(e));
  }
}, 150);

// Scans are queued, never dropped: a scanner can send the next code before the previous lookup
// answered, and every code must become a line, in order.
let scanQueue = Promise.resolve();

/** Enter in the scan field (keyboard or scanner): "3*1234567890123" or the qty field + a code. */
function scanEntered() {
  const list = suggestList('suggestions');
  if (!list.hidden && suggestionIndex >= 0) {
    const a = list._items?.[suggestionIndex];
    input('scan').value = '';
    return addArticle(a, input('qty').value.trim() || '1', state.returnMode);
  }
  let text = input('scan').value.trim();
  if (!text) return;
  let qty = input('qty').value.trim() || '1';
  const m = /^(\d+(?:[.,]\d+)?)\*(.+)$/.exec(text);
  if (m) {
    qty = m[1];
    text = m[2].trim();
  }
  const ret = state.returnMode;
  input('scan').value = '';
  input('qty').value = '1';
  if (ret) setReturnMode(false); // one return at a time: the next scan is a sale again
  suggestAbort?.abort();
  hide(list);
  scanQueue = scanQueue.then(() => lookUp(text, qty, ret));
  return scanQueue;
}

/**
 * @param {string} text
 * @param {string} qty
 * @param {boolean} ret
 */
async function lookUp(text, qty, ret) {
  try {
    const items = await findArticles(text);
    const exact = items.find((a) => a.barcode === text || a.code.toLowerCase() === text.toLowerCase());
    if (exact) return addArticle(exact, qty, ret);
    if (items.length === 1) return addArticle(items[0], qty, ret);
    if (items.length > 1) {
      input('scan').value = text;
      return showSuggestions(suggestList('suggestions'), items, articleRow, (a) => {
        input('scan').value = '';
        addArticle(a, qty, ret);
      });
    }
    say(t('error.unknownArticle', { text }));
  } catch (e) {
    say(messageOf(e));
  }
}

/**
 * @param {Article} a
 * @param {string} qtyText
 * @param {boolean} ret
 */
function addArticle(a, qtyText, ret) {
  if (!QTY_RE.test(qtyText) || scaled(qtyText, 3) === 0) {
    say(t('error.quantity', { text: qtyText }));
    return;
  }
  const milli = scaled(qtyText, 3);
  const same = state.lines.find((l) => l.article === a.code && l.ret === ret && l.unitPrice === a.price && !l.discount);
  /** @type {[() => unknown, () => unknown]} */
  let change;
  if (same) {
    const before = { qtyMilli: same.qtyMilli, qtyText: same.qtyText };
    change = [
      () => {
        same.qtyMilli = exact(addExact(same.qtyMilli, milli));
        same.qtyText = fmtQty(same.qtyMilli);
      },
      () => Object.assign(same, before),
    ];
  } else {
    /** @type {Line} */
    const line = { article: a.code, label: a.label, barcode: a.barcode, qtyText: fmtQty(milli), qtyMilli: milli, unitPrice: a.price, ret };
    change = [() => state.lines.push(line), () => (state.lines = state.lines.filter((l) => l !== line))];
  }
  if (!changeSale(change)) return;
  if (ret) setReturnMode(false);
  hide(suggestList('suggestions'));
  say('');
  renderSale();
  input('scan').focus();
}

/** Thousandths as the shortest quantity text ("1.5", "2"). @param {number} milli */
function fmtQty(milli) {
  return formatScaled(milli, 3).replace(/\.?0+$/, '');
}

/** @param {boolean} on */
function setReturnMode(on) {
  state.returnMode = on;
  $('return-toggle').setAttribute('aria-pressed', String(on));
  input('scan').placeholder = on ? t('sale.scan.return') : t('sale.scan.placeholder');
}

// ---------- customers ----------
/** @type {AbortController | null} */
let customerAbort = null;
const suggestCustomers = debounce(async () => {
  const q = input('customer-search').value.trim();
  if (q.length < 2) return hide(suggestList('customer-suggestions'));
  customerAbort?.abort();
  customerAbort = new AbortController();
  try {
    const res = await api('GET', `/api/till/customers?q=${encodeURIComponent(q)}&limit=20`, null, customerAbort.signal);
    const items = res.customers ?? [];
    showSuggestions(suggestList('customer-suggestions'), /** @type {Customer[]} */ (items.slice(0, 20)), (c) => [el('span', { class: 'code' }, c.code), el('span', { class: 'label' }, c.name)], chooseCustomer);
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AbortError')) say(messageOf(e));
  }
}, 200);

/** @param {Customer | null} c */
function chooseCustomer(c) {
  state.customer = c ? { code: c.code, name: c.name } : null;
  input('customer-search').value = '';
  hide(suggestList('customer-suggestions'));
  renderCustomer();
  input('scan').focus();
}

function renderCustomer() {
  $('customer-chosen').textContent = state.customer ? `${state.customer.name} (${state.customer.code})` : t('customer.counter', { code: state.counterCustomer ?? 'none' });
  $('customer-clear').hidden = !state.customer;
}

// ---------- payments ----------
function renderModes() {
  $('payment-modes').replaceChildren(
    ...state.modes.map((m, i) =>
      el('button', { type: 'button', 'data-mode': m.code, ...(i < 8 ? { 'aria-keyshortcuts': `Shift+F${i + 1}`, title: t('keys.modeTitle', { mode: m.label ?? m.code, key: i + 1 }) } : {}), onclick: () => addPayment(m) }, m.label ?? m.code, i < 8 ? el('kbd', {}, t('keys.shiftF', { n: i + 1 })) : null),
    ),
  );
}

/** @param {PaymentMode} mode */
function addPayment(mode) {
  const left = dueCents() - paidCents();
  const label = mode.label ?? mode.code;
  const typed = input('pay-amount').value.trim();
  if (typed && !MONEY_RE.test(typed)) return say(t('error.amount', { text: typed }));
  if (left === 0) return say(state.lines.length + state.settlements.length ? t('pay.nothingLeft') : t('pay.scanFirst'));
  // A refund (returns worth more than the sale) is paid back: typed amounts count as money given back.
  const sign = left < 0 ? -1 : 1;
  let amount = typed ? sign * Math.abs(cents(typed)) : left;
  if (amount === 0) return say(t('error.zero'));
  let change = 0;
  if (sign * amount > sign * left) {
    // Cash handed over beyond what is due: the ticket records what is due, the page shows the change.
    if (sign > 0 && (mode.code === 'ESP' || /esp|cash/i.test(label))) change = amount - left;
    else return say(t(sign > 0 ? 'pay.atMostLeft' : 'pay.atMostBack', { mode: label, amount: showCents(sign * left) }));
    amount = left;
  }
  const ref = input('pay-ref').value.trim();
  if (mode.depositVoucher && !ref) return say(t('pay.voucherRef', { mode: label }));
  state.payments.push({ mode: mode.code, label, amount: fmtCents(amount), ...(mode.depositVoucher ? { ref } : {}) });
  state.change = change;
  input('pay-amount').value = '';
  input('pay-ref').value = '';
  say('');
  renderSale();
  input('scan').focus();
}

// ---------- rendering ----------
function renderSale() {
  const tbody = table('lines').tBodies[0];
  tbody.replaceChildren(
    ...state.lines.map((l, i) =>
      el(
        'tr',
        { class: l.ret ? 'return' : '', 'data-article': l.article },
        el('td', {}, l.label, el('span', { class: 'code' }, `${l.article}${l.barcode ? ` · ${l.barcode}` : ''}`)),
        el('td', { class: 'num' }, showQty(l.ret ? `-${l.qtyText}` : l.qtyText)),
        el('td', { class: 'num' }, money(l.unitPrice)),
        el(
          'td',
          { class: 'num' },
          el('input', {
            class: 'discount',
            'aria-label': t('sale.discountOn', { label: l.label }),
            placeholder: t('sale.discount.placeholder'),
            size: '7',
            value: l.discountText ?? '',
            onchange: (/** @type {Event} */ ev) => setDiscount(l, /** @type {HTMLInputElement} */ (ev.target).value),
          }),
        ),
        el('td', { class: 'num' }, showCents(lineNetCents(l))),
        el('td', {}, el('button', { type: 'button', class: 'small', title: t('sale.removeLine'), 'aria-label': t('sale.removeLineOf', { label: l.label }), onclick: () => { const [gone] = state.lines.splice(i, 1); renderSale(); lineCancelled(gone); } }, '×')),
      ),
    ),
  );
  tbody.append(
    ...state.settlements.map((x, i) =>
      el(
        'tr',
        { class: 'settlement', 'data-settlement': x.ref },
        el('td', {}, t(x.kind === 'invoice' ? 'settlement.invoice' : 'settlement.deposit', { ref: x.ref })),
        el('td', { class: 'num' }, ''),
        el('td', { class: 'num' }, ''),
        el('td', { class: 'num' }, ''),
        el('td', { class: 'num' }, showText(x.amount)),
        el('td', {}, el('button', { type: 'button', class: 'small', title: t('sale.remove'), 'aria-label': t('sale.removeSettlement', { ref: x.ref }), onclick: () => { state.settlements.splice(i, 1); renderSale(); } }, '×')),
      ),
    ),
  );
  $('no-lines').hidden = state.lines.length + state.settlements.length > 0;
  const due = dueCents();
  const left = due - paidCents();
  $('total').textContent = showCents(due);
  table('payments').tBodies[0].replaceChildren(
    ...state.payments.map((p, i) =>
      el('tr', { 'data-mode': p.mode }, el('td', {}, p.label, p.ref ? t('pay.orderRef', { ref: p.ref }) : ''), el('td', { class: 'num' }, showText(p.amount)), el('td', {}, el('button', { type: 'button', class: 'small', 'aria-label': t('pay.removePayment', { mode: p.label }), onclick: () => { state.payments.splice(i, 1); state.change = 0; renderSale(); } }, '×'))),
    ),
  );
  $('remaining-label').textContent = left < 0 ? t('pay.back') : t('pay.left');
  $('remaining').textContent = showCents(Math.abs(left));
  input('pay-amount').placeholder = showCents(left);
  $('change').hidden = !state.change;
  $('change-amount').textContent = state.change ? showCents(state.change) : '';
  button('validate').disabled = state.busy || state.lines.length + state.settlements.length === 0 || left !== 0;
}

/** @param {Line} l @param {string} text */
function setDiscount(l, text) {
  const before = { discount: l.discount, discountText: l.discountText };
  try {
    l.discount = parseDiscount(text);
    l.discountText = l.discount ? text.trim() : '';
    dueCents();
    say('');
  } catch (e) {
    Object.assign(l, before);
    say(messageOf(e));
  }
  renderSale();
}

/** The cashier abandons the sale before payment: every line on screen is a cancelled line. */
function cancelSale() {
  const lines = state.lines;
  resetSale();
  for (const l of lines) lineCancelled(l);
}

function resetSale() {
  state.lines = [];
  state.settlements = [];
  state.payments = [];
  state.customer = null;
  state.change = 0;
  setReturnMode(false);
  renderCustomer();
  renderSale();
  say('');
}

// ---------- sheets: printed ticket, Z report, confirmations ----------
/**
 * @param {string} title
 * @param {HTMLElement} body
 * @param {{ confirm?: { label: string, run: () => unknown }, print?: boolean }} [options]
 */
function openSheet(title, body, { confirm, print } = {}) {
  $('sheet-title').textContent = title;
  $('sheet-body').replaceChildren(body);
  const c = button('sheet-confirm');
  c.hidden = !confirm;
  c.textContent = confirm?.label ?? t('sheet.confirm');
  c.onclick = confirm ? () => { closeSheet(); confirm.run(); } : null;
  $('sheet-print').hidden = !print;
  $('overlay').hidden = false;
  (confirm ? c : $('sheet-close')).focus();
}
function closeSheet() {
  $('overlay').hidden = true;
  input('scan').focus();
}

const pad = (/** @type {string} */ s, /** @type {number} */ n) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));
const lpad = (/** @type {string} */ s, /** @type {number} */ n) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const W = 40;
const rule = '-'.repeat(W);
const center = (/** @type {string} */ s) => lpad(s, Math.floor((W + s.length) / 2));

/** A ticket as the till returns it, printed 40 columns wide, in the page's language. @param {any} tk */
function receiptText(tk) {
  const out = [];
  const n = showText;
  out.push(center(t('receipt.store', { store: tk.store, till: tk.till })));
  out.push(rule);
  out.push(t('receipt.ticket', { id: tk.id }));
  out.push(t('receipt.soldAt', { at: shortTime(tk.soldAt), day: shortDay(tk.day) }));
  if (tk.customer) out.push(t('receipt.customer', { customer: tk.customer }));
  out.push(rule);
  for (const l of tk.lines ?? []) {
    out.push(pad(l.label ?? l.article, W));
    out.push(`${lpad(`${showQty(l.qty)} x ${n(l.unitPrice)}`, 22)}${lpad(`${n(l.inclVat)} ${l.vatCode}`, W - 22)}`);
    if (l.discount) out.push(lpad(t('receipt.discount', { percent: l.discount.percent ? `${showQty(l.discount.percent)}% ` : '', amount: n(String(l.discount.amount).replace('-', '')) }), W));
  }
  for (const x of tk.settlements ?? []) out.push(`${pad(t(x.kind === 'deposit' ? 'receipt.deposit' : 'receipt.invoice', { ref: x.ref }), 28)}${lpad(n(x.amount), W - 28)}`);
  out.push(rule);
  out.push(`${pad(t('receipt.total'), 20)}${lpad(n(tk.totals?.due ?? ''), W - 20)}`);
  for (const v of tk.totals?.byVat ?? []) out.push(`${pad(t('receipt.vatRate', { code: v.vatCode, rate: showQty(v.rate) }), 14)}${lpad(t('receipt.base', { amount: n(v.base) }), 14)}${lpad(t('receipt.vat', { amount: n(v.vat) }), W - 28)}`);
  out.push(rule);
  for (const p of tk.payments ?? []) out.push(`${pad(modeLabel(p.mode), 28)}${lpad(n(p.amount), W - 28)}`);
  if (tk.change && tk.change !== '0.00') out.push(`${pad(t('receipt.change'), 28)}${lpad(n(tk.change), W - 28)}`);
  out.push(rule);
  if (tk.degraded) out.push(center(t('receipt.degraded')));
  if (tk.hash) out.push(center(t('receipt.sig', { hash: tk.hash.slice(0, 16) })));
  out.push(center(t('receipt.thanks')));
  return out.join('\n');
}
const modeLabel = (/** @type {string} */ code) => state.modes.find((m) => m.code === code)?.label ?? code;
/** "2024-03-05T14:02:11" → "05/03/2024 14:02:11" (dd/mm/yyyy in both languages). @param {unknown} iso */
const shortTime = (iso) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}(?::\d{2})?)/.exec(String(iso ?? ''));
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}` : String(iso ?? '');
};
/** "2024-03-05" → "05/03/2024". @param {unknown} day */
const shortDay = (day) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day ?? ''));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(day ?? '');
};

/** @param {any} z the Z report as the till returns it */
function zReportText(z) {
  const n = showText;
  const out = [center(t('z.title', { seq: z.seq ?? '' })), center(t('receipt.store', { store: z.store, till: z.till })), rule];
  out.push(`${pad(t('z.day'), 12)}${shortDay(z.day)}`);
  out.push(`${pad(t('z.closedAt'), 12)}${shortTime(z.closedAt)}`);
  out.push(`${pad(t('z.tickets'), 12)}${z.ticketCount}${z.firstNumber != null ? `  (#${z.firstNumber} - #${z.lastNumber})` : ''}`);
  out.push(rule, t('z.byVat'));
  for (const v of z.byVat ?? []) out.push(`${pad(`${v.vatCode} ${showQty(v.rate)}%`, 10)}${lpad(n(v.base), 10)}${lpad(n(v.vat), 10)}${lpad(n(v.inclVat), 10)}`);
  out.push(rule, t('z.byMode'));
  for (const m of z.byMode ?? []) out.push(`${pad(`${modeLabel(m.mode)} (${m.count})`, 28)}${lpad(n(m.amount), W - 28)}`);
  out.push(rule);
  out.push(`${pad(t('z.total'), 28)}${lpad(n(z.total ?? ''), W - 28)}`);
  out.push(`${pad(t('z.grandTotal'), 28)}${lpad(n(z.grandTotal ?? ''), W - 28)}`);
  if (z.hash) out.push(center(t('receipt.sig', { hash: z.hash.slice(0, 16) })));
  return out.join('\n');
}

const receipt = (/** @type {string} */ text, /** @type {string} */ id) => el('pre', { class: 'receipt', id }, text);

// ---------- actions ----------
async function validateSale() {
  if (state.busy) return;
  state.busy = true;
  renderSale();
  try {
    const body = {
      customer: state.customer?.code,
      ...(state.cashier ? { cashier: state.cashier } : {}),
      lines: state.lines.map((l) => ({ article: l.article, qty: l.qtyText, unitPrice: l.unitPrice, ...(l.ret ? { return: true } : {}), ...(l.discount ? { discount: l.discount } : {}) })),
      settlements: state.settlements.map((x) => ({ kind: x.kind, ref: x.ref, amount: x.amount })),
      payments: state.payments.map((p) => ({ mode: p.mode, amount: p.amount, ...(p.ref ? { ref: p.ref } : {}) })),
    };
    const ticket = await api('POST', '/api/till/sell', body);
    if (state.change) ticket.change = fmtCents(state.change);
    resetSale();
    openSheet(t('receipt.ticket', { id: ticket.id }), receipt(receiptText(ticket), 'printed-ticket'), { print: true });
    say(t('sale.recorded', { id: ticket.id, degraded: ticket.degraded ? 'yes' : 'no' }), true);
  } catch (e) {
    say(t('error.sale', { message: messageOf(e) }));
  } finally {
    state.busy = false;
    renderSale();
    refreshStatus();
  }
}

async function showTickets() {
  try {
    const res = await api('GET', '/api/till/tickets?limit=20');
    const tickets = res.tickets ?? [];
    const table = el(
      'table',
      { class: 'tickets-list', id: 'tickets-list' },
      el('thead', {}, el('tr', {}, el('th', {}, t('tickets.ticket')), el('th', {}, t('tickets.soldAt')), el('th', {}, t('tickets.customer')), el('th', { class: 'num' }, t('tickets.total')), el('th', {}, el('span', { class: 'sr-only' }, t('tickets.degraded'))), el('th', {}, t('tickets.server')), el('th', {}, el('span', { class: 'sr-only' }, t('tickets.actions'))))),
      el(
        'tbody',
        {},
        tickets.map((/** @type {any} */ tk) =>
          el(
            'tr',
            {},
            el('td', {}, tk.id),
            el('td', {}, shortTime(tk.soldAt).slice(0, 16)),
            el('td', {}, tk.customer ?? ''),
            el('td', { class: 'num' }, showText(tk.totals?.due ?? '')),
            el('td', { class: 'deg' }, tk.degraded ? t('tickets.degraded') : ''),
            el('td', { class: 'sync' }, tk.documentNumber ? t('tickets.inDocument', { number: tk.documentNumber }) : tk.acknowledgedAt ? t('tickets.received') : tk.packagedIn ? t('tickets.inPackage', { file: tk.packagedIn }) : t('tickets.notYet')),
            el('td', {}, el('button', { type: 'button', class: 'small', 'aria-label': t('tickets.showOne', { id: tk.id }), onclick: () => openSheet(t('receipt.ticket', { id: tk.id }), receipt(receiptText(tk), 'printed-ticket'), { print: true }) }, t('tickets.show')), ' ', el('button', { type: 'button', class: 'small reprint', title: t('tickets.reprint.title'), 'aria-label': t('tickets.reprintOne', { id: tk.id }), onclick: () => reprint(tk.id) }, t('tickets.reprint'))),
          ),
        ),
      ),
    );
    openSheet(t('tickets.title'), tickets.length ? table : el('p', {}, t('tickets.none')));
  } catch (e) {
    say(messageOf(e));
  }
}

/** A duplicate receipt from the till (counted, journalled, marked DUPLICATA): the till's text, as printed. */
/** @param {string} id */
async function reprint(id) {
  try {
    const r = await api('POST', '/api/till/receipt', { ticket: id, format: 'text', reprint: true });
    openSheet(t('tickets.duplicate', { id }), receipt(r.body, 'reprinted-ticket'), { print: true });
  } catch (e) {
    say(t('error.reprint', { message: messageOf(e) }));
  }
}

function closeDay() {
  openSheet(t('close.title'), el('p', {}, t('close.text')), {
    confirm: {
      label: t('actions.close'),
      run: async () => {
        try {
          const z = await api('POST', '/api/till/close');
          openSheet(t('z.sheet', { id: z.id ?? '' }), receipt(zReportText(z), 'z-report'), { print: true });
          refreshStatus();
        } catch (e) {
          say(t('error.closure', { message: messageOf(e) }));
        }
      },
    },
  });
}

/** The shortcuts, on screen (F8): the same list as docs/screens.md. */
function keysSheet() {
  const keys = [
    ['keys.scan.key', 'keys.scan'],
    ['keys.qty.key', 'keys.qty'],
    ['keys.return.key', 'keys.return'],
    ['keys.amount.key', 'keys.amount'],
    ['keys.modes.key', 'keys.modes'],
    ['keys.customer.key', 'keys.customer'],
    ['keys.validate.key', 'keys.validate'],
    ['keys.cancel.key', 'keys.cancel'],
    ['keys.help.key', 'keys.help'],
    ['keys.close.key', 'keys.close'],
  ];
  openSheet(t('keys.title'), el('table', { class: 'keys', id: 'keys-list' }, el('tbody', {}, keys.map(([k, what]) => el('tr', {}, el('th', { scope: 'row' }, el('kbd', {}, t(k))), el('td', {}, t(what)))))));
}

/** @param {string} label @param {HTMLElement} control */
function field(label, control) {
  return el('label', { class: 'field' }, label, control);
}

/** Money taken that is not goods: an invoice paid (fully or partly) or a deposit on an order. */
function settlementSheet() {
  const kind = el('select', { id: 'settlement-kind' }, el('option', { value: 'invoice' }, t('settlement.kind.invoice')), el('option', { value: 'deposit' }, t('settlement.kind.deposit')));
  const ref = el('input', { type: 'text', id: 'settlement-ref', placeholder: t('settlement.ref.placeholder') });
  const amount = el('input', { type: 'text', id: 'settlement-amount', inputmode: 'decimal', placeholder: showCents(0) });
  openSheet(t('settlement.title'), el('div', { class: 'form' }, field(t('settlement.what'), kind), field(t('settlement.number'), ref), field(t('settlement.amount'), amount)), {
    confirm: {
      label: t('settlement.add'),
      run: () => {
        const a = amount.value.trim();
        if (!ref.value.trim()) return say(t('settlement.needRef'));
        if (!MONEY_RE.test(a) || cents(a) <= 0) return say(t('error.positiveAmount', { text: a }));
        const settlement = { kind: kind.value, ref: ref.value.trim(), amount: fmtCents(cents(a)) };
        if (!changeSale([() => state.settlements.push(settlement), () => (state.settlements = state.settlements.filter((x) => x !== settlement))])) return;
        if (!state.customer) say(t('settlement.needCustomer'), true);
        renderSale();
      },
    },
  });
}

/** Extract: write a TicDep (untransferred) or TicDeg (degraded) package of this till's tickets. */
function extractSheet() {
  const kind = el('select', { id: 'extract-kind' }, el('option', { value: 'untransferred' }, t('extract.untransferred')), el('option', { value: 'degraded' }, t('extract.degraded')));
  const again = el('input', { type: 'checkbox', id: 'extract-again' });
  const body = el('div', { class: 'form' }, field(t('extract.tickets'), kind), el('label', { class: 'check' }, again, ' ', t('extract.again')));
  openSheet(t('extract.title'), body, {
    confirm: {
      label: t('extract.confirm'),
      run: async () => {
        $('action-result').textContent = t('extract.running');
        try {
          const r = await api('POST', '/api/till/extract', { kind: kind.value, includeSent: again.checked });
          if (r.file) state.lastPackage = r.file.path;
          $('action-result').textContent = r.message;
        } catch (e) {
          $('action-result').textContent = t('error.extract', { message: messageOf(e) });
        }
        refreshStatus();
      },
    },
  });
}

/** Send a package to one of the destinations configured at `till init` (the server's URL first). */
async function sendSheet() {
  let dest = { lan: state.status?.server ? [state.status.server] : [], mail: [], smtp: null };
  try {
    dest = await api('GET', '/api/till/destinations');
  } catch {
    // keep the server alone
  }
  const file = el('input', { type: 'text', id: 'send-file', value: state.lastPackage ?? '', placeholder: t('send.file.placeholder'), size: 60 });
  const to = el(
    'select',
    { id: 'send-to' },
    ...dest.lan.map((d) => el('option', { value: `lan:${d}` }, t(/^https?:/i.test(d) ? 'send.server' : 'send.folder', { where: d }))),
    ...dest.mail.map((m) => el('option', { value: `mail:${m}` }, t('send.mail', { to: m }))),
  );
  const body = el('div', { class: 'form' }, field(t('send.file'), file), field(t('send.to'), to));
  openSheet(t('send.title'), body, {
    confirm: {
      label: t('send.confirm'),
      run: async () => {
        $('action-result').textContent = t('send.running');
        try {
          const [kind, ...rest] = to.value.split(':');
          const target = rest.join(':');
          const payload = { file: file.value.trim(), ...(kind === 'mail' ? { mail: [target] } : { lan: target }) };
          const r = await api('POST', '/api/till/send', payload);
          $('action-result').textContent = t('send.sent', { file: r.file.split(/[\\/]/).pop(), channel: r.channel, target: r.target, detail: r.detail || 'none' });
        } catch (e) {
          $('action-result').textContent = t('error.send', { message: messageOf(e) });
        }
        refreshStatus();
      },
    },
  });
}

// ---------- wiring ----------
function wire() {
  $('scan-form').addEventListener('submit', (e) => {
    e.preventDefault();
    scanEntered();
  });
  input('scan').addEventListener('input', suggestArticles);
  input('scan').addEventListener('keydown', (e) => {
    // A scanner is a keyboard that types the code then Enter: handled here, not by implicit form
    // submission (which browsers skip in a form with two text fields and no submit button).
    if (e.key === 'Enter') {
      e.preventDefault();
      scanEntered();
    } else if (e.key === 'ArrowDown' && moveSuggestion(suggestList('suggestions'), 1)) e.preventDefault();
    else if (e.key === 'ArrowUp' && moveSuggestion(suggestList('suggestions'), -1)) e.preventDefault();
    else if (e.key === 'Escape') hide(suggestList('suggestions'));
  });
  input('scan').addEventListener('blur', () => setTimeout(() => hide(suggestList('suggestions')), 150));
  input('qty').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      input('scan').focus();
    }
  });
  $('return-toggle').addEventListener('click', () => {
    setReturnMode(!state.returnMode);
    input('scan').focus();
  });
  input('customer-search').addEventListener('input', suggestCustomers);
  input('customer-search').addEventListener('keydown', (e) => {
    const list = suggestList('customer-suggestions');
    if (e.key === 'ArrowDown' && moveSuggestion(list, 1)) e.preventDefault();
    else if (e.key === 'ArrowUp' && moveSuggestion(list, -1)) e.preventDefault();
    else if (e.key === 'Enter') {
      e.preventDefault();
      if (!list.hidden && list._items?.length) chooseCustomer(list._items[Math.max(0, suggestionIndex)]);
    } else if (e.key === 'Escape') hide(list);
  });
  $('customer-clear').addEventListener('click', () => chooseCustomer(null));
  input('pay-amount').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && state.modes[0]) {
      e.preventDefault();
      addPayment(state.modes[0]);
    }
  });
  button('validate').addEventListener('click', validateSale);
  $('cancel-sale').addEventListener('click', cancelSale);
  input('cashier').addEventListener('change', () => setCashier(input('cashier').value));
  window.addEventListener('pagehide', closeCashierOnExit);
  $('show-tickets').addEventListener('click', showTickets);
  $('close-day').addEventListener('click', closeDay);
  $('extract').addEventListener('click', extractSheet);
  $('add-settlement').addEventListener('click', settlementSheet);
  $('send').addEventListener('click', sendSheet);
  $('sheet-close').addEventListener('click', closeSheet);
  $('sheet-print').addEventListener('click', () => window.print());
  $('show-keys').addEventListener('click', keysSheet);
  // Keyboard alone (docs/screens.md, "Register shortcuts"): the page takes these keys before the browser.
  document.addEventListener('keydown', (e) => {
    const sheetOpen = !$('overlay').hidden;
    if (e.key === 'Escape' && e.shiftKey && !sheetOpen) {
      e.preventDefault();
      cancelSale();
      input('scan').focus();
      return;
    }
    if (e.key === 'Escape') {
      if (sheetOpen) closeSheet();
      else if (document.activeElement !== input('scan')) input('scan').focus();
      return;
    }
    if (sheetOpen || !/^F\d{1,2}$/.test(e.key)) return;
    const n = Number(e.key.slice(1));
    if (e.shiftKey) {
      // Shift+F1…F8: the payment modes, in the order of their buttons.
      const mode = state.modes[n - 1];
      if (mode && n <= 8) {
        e.preventDefault();
        addPayment(mode);
      }
      return;
    }
    const act = {
      2: () => input('qty').select(),
      3: () => {
        setReturnMode(!state.returnMode);
        input('scan').focus();
      },
      4: () => input('pay-amount').focus(),
      6: () => input('customer-search').focus(),
      8: keysSheet,
      9: validateSale,
    }[n];
    if (act) {
      e.preventDefault();
      act();
    }
  });
}

wire();
renderCustomer();
renderSale();
tickClock();
setInterval(tickClock, 1000);
loadModes();
refreshStatus();
setInterval(refreshStatus, 3000);
