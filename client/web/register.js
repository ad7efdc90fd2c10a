// tillsync register page: talks only to the till's own API on localhost, so it keeps selling when
// the store server is gone. Amounts on screen are estimates in integer cents (never floats); the
// till computes the real ticket and the page prints what the till returns.

const $ = (id) => document.getElementById(id);

// ---------- money without floats: BigInt in 1/100 (money) and 1/1000 (quantities) ----------
const MONEY_RE = /^-?\d+([.,]\d{1,2})?$/;
const QTY_RE = /^\d+([.,]\d{1,3})?$/;

function scaled(text, decimals) {
  const s = String(text).trim().replace(',', '.');
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i || '0') * 10n ** BigInt(decimals) + BigInt((f + '0'.repeat(decimals)).slice(0, decimals) || '0');
  return neg ? -v : v;
}
const cents = (text) => scaled(text, 2);
function fmtCents(c) {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
/** qty (thousandths) × unit price (cents), rounded half away from zero, like a per-line till. */
function lineCents(qtyMilli, unitCents) {
  const p = qtyMilli * unitCents;
  const q = p / 1000n;
  const r = p % 1000n;
  if (r >= 500n) return q + 1n;
  if (r <= -500n) return q - 1n;
  return q;
}
const money = (text) => fmtCents(cents(text ?? '0'));

/**
 * A line discount as the cashier types it: "10%" (a percentage) or "0.12" (an amount off the whole
 * line). Returns the sale JSON's discount, or null when empty; throws a message when malformed.
 */
const PERCENT_RE = /^\d{1,3}([.,]\d{1,4})?\s*%$/;
function parseDiscount(text) {
  const t = String(text ?? '').trim();
  if (!t) return null;
  if (PERCENT_RE.test(t)) {
    const p = t.replace('%', '').trim().replace(',', '.');
    if (Number(p) <= 0 || Number(p) > 100) throw new Error(`Discount "${t}": a percentage above 0 and at most 100.`);
    return { percent: p };
  }
  if (MONEY_RE.test(t) && cents(t) > 0n) return { amount: fmtCents(cents(t)) };
  throw new Error(`Discount "${t}": type 10% or an amount like 0.12.`);
}
/** The line's discount in cents (estimate; the till computes the real one, rounded the same way). */
function discountCents(l, grossCents) {
  if (!l.discount) return 0n;
  const abs = grossCents < 0n ? -grossCents : grossCents;
  let d;
  if (l.discount.percent) {
    const p = scaled(l.discount.percent, 4); // percent × 10^4
    const n = abs * p;
    d = n / 1000000n + (n % 1000000n >= 500000n ? 1n : 0n);
  } else d = cents(l.discount.amount);
  if (d > abs) d = abs;
  return grossCents < 0n ? -d : d;
}
function lineNetCents(l) {
  const gross = (l.ret ? -1n : 1n) * lineCents(l.qtyMilli, cents(l.unitPrice));
  return gross - discountCents(l, gross);
}

// ---------- the till API ----------
// The cashier's token comes inside this page (till start writes it into index.html): every call
// carries it, and every POST is JSON, as the till's doors require.
const TILL_TOKEN = document.querySelector('meta[name="till-token"]')?.content ?? '';
async function api(method, path, body, signal) {
  let res;
  const post = method !== 'GET';
  try {
    res = await fetch(path, { method, signal, headers: { 'X-Till-Token': TILL_TOKEN, ...(post ? { 'Content-Type': 'application/json' } : {}) }, body: post ? JSON.stringify(body ?? {}) : undefined });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new Error('the till service does not answer (is "tillsync till start" running?)');
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
async function journal(type, data) {
  try {
    await api('POST', '/api/till/journal', { type, data });
  } catch (e) {
    say(`Journal (${type}) not recorded: ${e.message}`);
  }
}
/** A line removed before payment: its article, quantity and the amount it had on screen. */
function lineCancelled(l) {
  return journal('line-cancelled', { article: l.article, qty: l.ret ? `-${l.qtyText}` : l.qtyText, amount: fmtCents(lineNetCents(l)), ...(state.cashier ? { cashier: state.cashier } : {}) });
}
/** The cashier's name typed in the banner opens a session; a new name or closing the page ends it. */
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
const state = {
  lines: [], // { article, label, barcode, qtyText, qtyMilli, unitPrice, ret, discount?: { percent } | { amount }, discountText }
  settlements: [], // { kind: 'invoice' | 'deposit', ref, amount }
  customer: null, // { code, name }
  payments: [], // { mode, label, amount }
  returnMode: false,
  modes: [],
  status: null,
  busy: false,
  cashier: '',
};

function dueCents() {
  const goods = state.lines.reduce((s, l) => s + lineNetCents(l), 0n);
  return goods + state.settlements.reduce((s, x) => s + cents(x.amount), 0n);
}
const paidCents = () => state.payments.reduce((s, p) => s + cents(p.amount), 0n);

// ---------- small UI helpers ----------
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

function say(text, ok = false) {
  const m = $('message');
  m.textContent = text;
  m.className = `message${ok ? ' ok' : ''}`;
  m.hidden = !text;
}

function debounce(fn, ms) {
  let t;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
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
    $('till-name').textContent = `Till ${s.store}-${s.till}`;
    $('till-day').textContent = `last ticket #${s.lastNumber} · ${s.openTickets} since last Z`;
    banner.className = `banner ${mode === 'degraded' ? 'degraded' : mode === 'online' ? 'online' : 'unknown'}`;
    const [head, sub] = {
      degraded: ['DEGRADED MODE', 'store server unreachable: sales are kept on this till'],
      online: ['Online', 'connected to the store server'],
      checking: ['Checking…', 'asking the store server'],
      standalone: ['Standalone', 'no store server configured'],
    }[mode];
    $('conn').replaceChildren(el('strong', {}, head), el('span', {}, sub));
    const u = $('unsynced');
    u.textContent = `${unsynced} unsynced ticket${unsynced === 1 ? '' : 's'} · ${degradedCount} sold in degraded mode`;
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
    $('conn').replaceChildren(el('strong', {}, 'TILL SERVICE DOWN'), el('span', {}, e.message));
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
    say(`Payment modes not loaded: ${e.message}`);
    setTimeout(loadModes, 3000);
  }
}

function tickClock() {
  const d = new Date();
  $('clock').textContent = d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

// ---------- articles ----------
let suggestAbort = null;
async function findArticles(q, signal) {
  const res = await api('GET', `/api/till/articles?q=${encodeURIComponent(q)}&limit=20`, null, signal);
  return res.articles ?? [];
}

let suggestionIndex = -1;
function showSuggestions(list, items, render, pick) {
  list.replaceChildren(...items.map((it, i) => el('li', { 'data-i': i, onmousedown: (ev) => { ev.preventDefault(); pick(it); } }, ...render(it))));
  list.hidden = items.length === 0;
  list._items = items;
  list._pick = pick;
  suggestionIndex = -1;
}
function moveSuggestion(list, delta) {
  if (list.hidden || !list._items?.length) return false;
  suggestionIndex = (suggestionIndex + delta + list._items.length) % list._items.length;
  [...list.children].forEach((li, i) => li.classList.toggle('active', i === suggestionIndex));
  list.children[suggestionIndex]?.scrollIntoView({ block: 'nearest' });
  return true;
}
function hide(list) {
  list.hidden = true;
  list._items = [];
}

const articleRow = (a) => [el('span', { class: 'code' }, a.code), el('span', { class: 'label' }, a.label), el('span', { class: 'price' }, money(a.price))];
const QTY_PREFIX = /^(\d+(?:[.,]\d+)?)\*/;

const suggestArticles = debounce(async () => {
  const q = $('scan').value.replace(QTY_PREFIX, '').trim();
  suggestAbort?.abort();
  if (q.length < 2) return hide($('suggestions'));
  suggestAbort = new AbortController();
  try {
    const items = await findArticles(q, suggestAbort.signal);
    if ($('scan').value.replace(QTY_PREFIX, '').trim() !== q) return; // typed on meanwhile
    showSuggestions($('suggestions'), items, articleRow, (a) => {
      const qty = $('qty').value.trim() || '1';
      $('scan').value = '';
      addArticle(a, qty, state.returnMode);
    });
  } catch (e) {
    if (e.name !== 'AbortError') say(e.message);
  }
}, 150);

// Scans are queued, never dropped: a scanner can send the next code before the previous lookup
// answered, and every code must become a line, in order.
let scanQueue = Promise.resolve();

/** Enter in the scan field (keyboard or scanner): "3*1234567890123" or the qty field + a code. */
function scanEntered() {
  const list = $('suggestions');
  if (!list.hidden && suggestionIndex >= 0) {
    const a = list._items[suggestionIndex];
    $('scan').value = '';
    return addArticle(a, $('qty').value.trim() || '1', state.returnMode);
  }
  let text = $('scan').value.trim();
  if (!text) return;
  let qty = $('qty').value.trim() || '1';
  const m = /^(\d+(?:[.,]\d+)?)\*(.+)$/.exec(text);
  if (m) {
    qty = m[1];
    text = m[2].trim();
  }
  const ret = state.returnMode;
  $('scan').value = '';
  $('qty').value = '1';
  if (ret) setReturnMode(false); // one return at a time: the next scan is a sale again
  suggestAbort?.abort();
  hide(list);
  scanQueue = scanQueue.then(() => lookUp(text, qty, ret));
  return scanQueue;
}

async function lookUp(text, qty, ret) {
  try {
    const items = await findArticles(text);
    const exact = items.find((a) => a.barcode === text || a.code.toLowerCase() === text.toLowerCase());
    if (exact) return addArticle(exact, qty, ret);
    if (items.length === 1) return addArticle(items[0], qty, ret);
    if (items.length > 1) {
      $('scan').value = text;
      return showSuggestions($('suggestions'), items, articleRow, (a) => {
        $('scan').value = '';
        addArticle(a, qty, ret);
      });
    }
    say(`Unknown article "${text}": check the code, or type part of the name.`);
  } catch (e) {
    say(e.message);
  }
}

function addArticle(a, qtyText, ret) {
  if (!QTY_RE.test(qtyText) || scaled(qtyText, 3) === 0n) {
    say(`Invalid quantity "${qtyText}": use a positive number like 2 or 1.5.`);
    return;
  }
  const milli = scaled(qtyText, 3);
  const same = state.lines.find((l) => l.article === a.code && l.ret === ret && l.unitPrice === a.price && !l.discount);
  if (same) {
    same.qtyMilli += milli;
    same.qtyText = fmtQty(same.qtyMilli);
  } else {
    state.lines.push({ article: a.code, label: a.label, barcode: a.barcode, qtyText: fmtQty(milli), qtyMilli: milli, unitPrice: a.price, ret });
  }
  if (ret) setReturnMode(false);
  hide($('suggestions'));
  say('');
  renderSale();
  $('scan').focus();
}

function fmtQty(milli) {
  const i = milli / 1000n;
  const f = (milli % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return f ? `${i}.${f}` : String(i);
}

function setReturnMode(on) {
  state.returnMode = on;
  $('return-toggle').setAttribute('aria-pressed', String(on));
  $('scan').placeholder = on ? 'RETURN: scan the article brought back' : 'Scan or type an article code, barcode or name, then Enter';
}

// ---------- customers ----------
let customerAbort = null;
const suggestCustomers = debounce(async () => {
  const q = $('customer-search').value.trim();
  if (q.length < 2) return hide($('customer-suggestions'));
  customerAbort?.abort();
  customerAbort = new AbortController();
  try {
    const res = await api('GET', `/api/till/customers?q=${encodeURIComponent(q)}&limit=20`, null, customerAbort.signal);
    const items = res.customers ?? [];
    showSuggestions($('customer-suggestions'), items.slice(0, 20), (c) => [el('span', { class: 'code' }, c.code), el('span', { class: 'label' }, c.name)], chooseCustomer);
  } catch (e) {
    if (e.name !== 'AbortError') say(e.message);
  }
}, 200);

function chooseCustomer(c) {
  state.customer = c ? { code: c.code, name: c.name } : null;
  $('customer-search').value = '';
  hide($('customer-suggestions'));
  renderCustomer();
  $('scan').focus();
}

function renderCustomer() {
  $('customer-chosen').textContent = state.customer ? `${state.customer.name} (${state.customer.code})` : `Counter customer${state.counterCustomer ? ` (${state.counterCustomer})` : ''}`;
  $('customer-clear').hidden = !state.customer;
}

// ---------- payments ----------
function renderModes() {
  $('payment-modes').replaceChildren(
    ...state.modes.map((m) => el('button', { type: 'button', 'data-mode': m.code, title: m.label, onclick: () => addPayment(m) }, m.label ?? m.code)),
  );
}

function addPayment(mode) {
  const left = dueCents() - paidCents();
  const label = mode.label ?? mode.code;
  const typed = $('pay-amount').value.trim();
  if (typed && !MONEY_RE.test(typed)) return say(`Invalid amount "${typed}": use digits and at most two decimals.`);
  if (left === 0n) return say(state.lines.length + state.settlements.length ? 'Nothing left to pay: validate the sale.' : 'Scan an article first.');
  // A refund (returns worth more than the sale) is paid back: typed amounts count as money given back.
  const sign = left < 0n ? -1n : 1n;
  let amount = typed ? sign * (cents(typed) < 0n ? -cents(typed) : cents(typed)) : left;
  if (amount === 0n) return say('Type an amount above zero.');
  let change = 0n;
  if (sign * amount > sign * left) {
    // Cash handed over beyond what is due: the ticket records what is due, the page shows the change.
    if (sign > 0n && (mode.code === 'ESP' || /esp|cash/i.test(label))) change = amount - left;
    else return say(`${label}: at most ${fmtCents(sign * left)} ${sign > 0n ? 'is left to pay' : 'is to give back'}.`);
    amount = left;
  }
  const ref = $('pay-ref').value.trim();
  if (mode.depositVoucher && !ref) return say(`${label}: type the order number whose deposit is used first.`);
  state.payments.push({ mode: mode.code, label, amount: fmtCents(amount), ...(mode.depositVoucher ? { ref } : {}) });
  state.change = change;
  $('pay-amount').value = '';
  $('pay-ref').value = '';
  say('');
  renderSale();
  $('scan').focus();
}

// ---------- rendering ----------
function renderSale() {
  const tbody = $('lines').tBodies[0];
  tbody.replaceChildren(
    ...state.lines.map((l, i) =>
      el(
        'tr',
        { class: l.ret ? 'return' : '', 'data-article': l.article },
        el('td', {}, l.label, el('span', { class: 'code' }, `${l.article}${l.barcode ? ` · ${l.barcode}` : ''}`)),
        el('td', { class: 'num' }, l.ret ? `-${l.qtyText}` : l.qtyText),
        el('td', { class: 'num' }, money(l.unitPrice)),
        el(
          'td',
          { class: 'num' },
          el('input', {
            class: 'discount',
            'aria-label': `Discount on ${l.label}`,
            placeholder: '10% or 0.12',
            size: '7',
            value: l.discountText ?? '',
            onchange: (ev) => setDiscount(l, ev.target.value),
          }),
        ),
        el('td', { class: 'num' }, fmtCents(lineNetCents(l))),
        el('td', {}, el('button', { type: 'button', class: 'small', title: 'Remove this line', onclick: () => { const [gone] = state.lines.splice(i, 1); renderSale(); lineCancelled(gone); } }, '×')),
      ),
    ),
  );
  tbody.append(
    ...state.settlements.map((x, i) =>
      el(
        'tr',
        { class: 'settlement', 'data-settlement': x.ref },
        el('td', {}, x.kind === 'invoice' ? `Payment of invoice ${x.ref}` : `Deposit on order ${x.ref}`),
        el('td', { class: 'num' }, ''),
        el('td', { class: 'num' }, ''),
        el('td', { class: 'num' }, ''),
        el('td', { class: 'num' }, x.amount),
        el('td', {}, el('button', { type: 'button', class: 'small', title: 'Remove', onclick: () => { state.settlements.splice(i, 1); renderSale(); } }, '×')),
      ),
    ),
  );
  $('no-lines').hidden = state.lines.length + state.settlements.length > 0;
  const due = dueCents();
  const left = due - paidCents();
  $('total').textContent = fmtCents(due);
  $('payments').tBodies[0].replaceChildren(
    ...state.payments.map((p, i) =>
      el('tr', { 'data-mode': p.mode }, el('td', {}, p.label, p.ref ? ` (order ${p.ref})` : ''), el('td', { class: 'num' }, p.amount), el('td', {}, el('button', { type: 'button', class: 'small', onclick: () => { state.payments.splice(i, 1); state.change = 0n; renderSale(); } }, '×'))),
    ),
  );
  $('remaining-label').textContent = left < 0n ? 'To give back' : 'Left to pay';
  $('remaining').textContent = fmtCents(left < 0n ? -left : left);
  $('pay-amount').placeholder = fmtCents(left);
  $('change').hidden = !state.change;
  $('change-amount').textContent = state.change ? fmtCents(state.change) : '';
  $('validate').disabled = state.busy || state.lines.length + state.settlements.length === 0 || left !== 0n;
}

function setDiscount(l, text) {
  try {
    l.discount = parseDiscount(text);
    l.discountText = l.discount ? text.trim() : '';
    say('');
  } catch (e) {
    say(e.message);
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
  state.change = 0n;
  setReturnMode(false);
  renderCustomer();
  renderSale();
  say('');
}

// ---------- sheets: printed ticket, Z report, confirmations ----------
function openSheet(title, body, { confirm, print } = {}) {
  $('sheet-title').textContent = title;
  $('sheet-body').replaceChildren(body);
  const c = $('sheet-confirm');
  c.hidden = !confirm;
  c.textContent = confirm?.label ?? 'Confirm';
  c.onclick = confirm ? () => { closeSheet(); confirm.run(); } : null;
  $('sheet-print').hidden = !print;
  $('overlay').hidden = false;
  (confirm ? c : $('sheet-close')).focus();
}
function closeSheet() {
  $('overlay').hidden = true;
  $('scan').focus();
}

const pad = (s, n) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));
const lpad = (s, n) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const W = 40;
const rule = '-'.repeat(W);
const center = (s) => lpad(s, Math.floor((W + s.length) / 2));

function receiptText(t) {
  const out = [];
  out.push(center(`Store ${t.store} - Till ${t.till}`));
  out.push(rule);
  out.push(`Ticket ${t.id}`);
  out.push(`${(t.soldAt ?? '').replace('T', ' ').slice(0, 19)}  day ${t.day}`);
  if (t.customer) out.push(`Customer: ${t.customer}`);
  out.push(rule);
  for (const l of t.lines ?? []) {
    out.push(pad(l.label ?? l.article, W));
    out.push(`${lpad(`${l.qty} x ${l.unitPrice}`, 22)}${lpad(`${l.inclVat} ${l.vatCode}`, W - 22)}`);
    if (l.discount) out.push(lpad(`discount ${l.discount.percent ? `${l.discount.percent}% ` : ''}-${String(l.discount.amount).replace('-', '')}`, W));
  }
  for (const s of t.settlements ?? []) out.push(`${pad(`${s.kind === 'deposit' ? 'Deposit' : 'Invoice'} ${s.ref}`, 28)}${lpad(s.amount, W - 28)}`);
  out.push(rule);
  out.push(`${pad('TOTAL', 20)}${lpad(t.totals?.due ?? '', W - 20)}`);
  for (const v of t.totals?.byVat ?? []) out.push(`${pad(`VAT ${v.vatCode} ${v.rate}%`, 14)}${lpad(`base ${v.base}`, 14)}${lpad(`vat ${v.vat}`, W - 28)}`);
  out.push(rule);
  for (const p of t.payments ?? []) out.push(`${pad(modeLabel(p.mode), 28)}${lpad(p.amount, W - 28)}`);
  if (t.change && t.change !== '0.00') out.push(`${pad('Change', 28)}${lpad(t.change, W - 28)}`);
  out.push(rule);
  if (t.degraded) out.push(center('* sold in degraded mode *'));
  if (t.hash) out.push(center(`sig ${t.hash.slice(0, 16)}`));
  out.push(center('Thank you'));
  return out.join('\n');
}
const modeLabel = (code) => state.modes.find((m) => m.code === code)?.label ?? code;

function zReportText(z) {
  const out = [center(`Z REPORT #${z.seq ?? ''}`), center(`Store ${z.store} - Till ${z.till}`), rule];
  out.push(`Day         ${z.day}`);
  out.push(`Closed at   ${(z.closedAt ?? '').replace('T', ' ').slice(0, 19)}`);
  out.push(`Tickets     ${z.ticketCount}${z.firstNumber != null ? `  (#${z.firstNumber} - #${z.lastNumber})` : ''}`);
  out.push(rule, 'By VAT rate');
  for (const v of z.byVat ?? []) out.push(`${pad(`${v.vatCode} ${v.rate}%`, 10)}${lpad(v.base, 10)}${lpad(v.vat, 10)}${lpad(v.inclVat, 10)}`);
  out.push(rule, 'By payment mode');
  for (const m of z.byMode ?? []) out.push(`${pad(`${modeLabel(m.mode)} (${m.count})`, 28)}${lpad(m.amount, W - 28)}`);
  out.push(rule);
  out.push(`${pad('TOTAL OF THE DAY', 28)}${lpad(z.total ?? '', W - 28)}`);
  out.push(`${pad('Grand total', 28)}${lpad(z.grandTotal ?? '', W - 28)}`);
  if (z.hash) out.push(center(`sig ${z.hash.slice(0, 16)}`));
  return out.join('\n');
}

const receipt = (text, id) => el('pre', { class: 'receipt', id }, text);

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
    openSheet(`Ticket ${ticket.id}`, receipt(receiptText(ticket), 'printed-ticket'), { print: true });
    say(`Ticket ${ticket.id} recorded${ticket.degraded ? ' (degraded mode)' : ''}.`, true);
  } catch (e) {
    say(`Sale not recorded: ${e.message}`);
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
      el('thead', {}, el('tr', {}, el('th', {}, 'Ticket'), el('th', {}, 'Sold at'), el('th', {}, 'Customer'), el('th', { class: 'num' }, 'Total'), el('th', {}, ''), el('th', {}, 'Server'), el('th', {}, ''))),
      el(
        'tbody',
        {},
        tickets.map((t) =>
          el(
            'tr',
            {},
            el('td', {}, t.id),
            el('td', {}, (t.soldAt ?? '').replace('T', ' ').slice(0, 16)),
            el('td', {}, t.customer ?? ''),
            el('td', { class: 'num' }, t.totals?.due ?? ''),
            el('td', { class: 'deg' }, t.degraded ? 'degraded' : ''),
            el('td', { class: 'sync' }, t.documentNumber ? `document ${t.documentNumber}` : t.acknowledgedAt ? 'received' : t.packagedIn ? `in ${t.packagedIn}` : 'not yet'),
            el('td', {}, el('button', { type: 'button', class: 'small', onclick: () => openSheet(`Ticket ${t.id}`, receipt(receiptText(t), 'printed-ticket'), { print: true }) }, 'Show'), ' ', el('button', { type: 'button', class: 'small reprint', title: 'A counted duplicate, marked DUPLICATA', onclick: () => reprint(t.id) }, 'Reprint')),
          ),
        ),
      ),
    );
    openSheet('Last tickets', tickets.length ? table : el('p', {}, 'No ticket yet.'));
  } catch (e) {
    say(e.message);
  }
}

/** A duplicate receipt from the till (counted, journalled, marked DUPLICATA): the till's text, as printed. */
async function reprint(id) {
  try {
    const r = await api('POST', '/api/till/receipt', { ticket: id, format: 'text', reprint: true });
    openSheet(`Duplicate of ${id}`, receipt(r.body, 'reprinted-ticket'), { print: true });
  } catch (e) {
    say(`Reprint failed: ${e.message}`);
  }
}

function closeDay() {
  openSheet('Close the day?', el('p', {}, 'The Z report closes the current day: tickets after it belong to the next day. This cannot be undone.'), {
    confirm: {
      label: 'Close the day (Z)',
      run: async () => {
        try {
          const z = await api('POST', '/api/till/close');
          openSheet(`Z report ${z.id ?? ''}`, receipt(zReportText(z), 'z-report'), { print: true });
          refreshStatus();
        } catch (e) {
          say(`Closure failed: ${e.message}`);
        }
      },
    },
  });
}

function field(label, input) {
  return el('label', { class: 'field' }, label, input);
}

/** Money taken that is not goods: an invoice paid (fully or partly) or a deposit on an order. */
function settlementSheet() {
  const kind = el('select', { id: 'settlement-kind' }, el('option', { value: 'invoice' }, 'Payment of an invoice'), el('option', { value: 'deposit' }, 'Deposit on a customer order'));
  const ref = el('input', { type: 'text', id: 'settlement-ref', placeholder: 'invoice or order number' });
  const amount = el('input', { type: 'text', id: 'settlement-amount', inputmode: 'decimal', placeholder: '0.00' });
  openSheet('Invoice payment or deposit', el('div', { class: 'form' }, field('What', kind), field('Number', ref), field('Amount', amount)), {
    confirm: {
      label: 'Add',
      run: () => {
        const a = amount.value.trim();
        if (!ref.value.trim()) return say('Type the invoice or order number.');
        if (!MONEY_RE.test(a) || cents(a) <= 0n) return say(`Invalid amount "${a}": use a positive amount with at most two decimals.`);
        state.settlements.push({ kind: kind.value, ref: ref.value.trim(), amount: fmtCents(cents(a)) });
        if (!state.customer) say('An invoice payment or a deposit names a customer: look the customer up below.', true);
        renderSale();
      },
    },
  });
}

/** Extract: write a TicDep (untransferred) or TicDeg (degraded) package of this till's tickets. */
function extractSheet() {
  const kind = el('select', { id: 'extract-kind' }, el('option', { value: 'untransferred' }, 'Unsynced tickets (TicDep: not acknowledged by the server)'), el('option', { value: 'degraded' }, 'Degraded tickets (TicDeg: sold while the server was away)'));
  const again = el('input', { type: 'checkbox', id: 'extract-again' });
  const body = el('div', { class: 'form' }, field('Tickets', kind), el('label', { class: 'check' }, again, ' also tickets already put in a package'));
  openSheet('Extract tickets to a package', body, {
    confirm: {
      label: 'Extract',
      run: async () => {
        $('action-result').textContent = 'Extracting…';
        try {
          const r = await api('POST', '/api/till/extract', { kind: kind.value, includeSent: again.checked });
          if (r.file) state.lastPackage = r.file.path;
          $('action-result').textContent = r.message;
        } catch (e) {
          $('action-result').textContent = `Extract failed: ${e.message}`;
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
  const file = el('input', { type: 'text', id: 'send-file', value: state.lastPackage ?? '', placeholder: 'package path printed by Extract', size: 60 });
  const to = el(
    'select',
    { id: 'send-to' },
    ...dest.lan.map((d) => el('option', { value: `lan:${d}` }, /^https?:/i.test(d) ? `Server ${d}` : `Folder ${d}`)),
    ...dest.mail.map((m) => el('option', { value: `mail:${m}` }, `Mail to ${m}`)),
  );
  const body = el('div', { class: 'form' }, field('Package file', file), field('Send to', to));
  openSheet('Send a package', body, {
    confirm: {
      label: 'Send',
      run: async () => {
        $('action-result').textContent = 'Sending…';
        try {
          const [kind, ...rest] = to.value.split(':');
          const target = rest.join(':');
          const payload = { file: file.value.trim(), ...(kind === 'mail' ? { mail: [target] } : { lan: target }) };
          const r = await api('POST', '/api/till/send', payload);
          $('action-result').textContent = `Sent ${r.file.split(/[\\/]/).pop()} by ${r.channel} to ${r.target}${r.detail ? ` (${r.detail})` : ''}`;
        } catch (e) {
          $('action-result').textContent = `Send failed: ${e.message}`;
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
  $('scan').addEventListener('input', suggestArticles);
  $('scan').addEventListener('keydown', (e) => {
    // A scanner is a keyboard that types the code then Enter: handled here, not by implicit form
    // submission (which browsers skip in a form with two text fields and no submit button).
    if (e.key === 'Enter') {
      e.preventDefault();
      scanEntered();
    } else if (e.key === 'ArrowDown' && moveSuggestion($('suggestions'), 1)) e.preventDefault();
    else if (e.key === 'ArrowUp' && moveSuggestion($('suggestions'), -1)) e.preventDefault();
    else if (e.key === 'Escape') hide($('suggestions'));
  });
  $('scan').addEventListener('blur', () => setTimeout(() => hide($('suggestions')), 150));
  $('qty').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      $('scan').focus();
    }
  });
  $('return-toggle').addEventListener('click', () => {
    setReturnMode(!state.returnMode);
    $('scan').focus();
  });
  $('customer-search').addEventListener('input', suggestCustomers);
  $('customer-search').addEventListener('keydown', (e) => {
    const list = $('customer-suggestions');
    if (e.key === 'ArrowDown' && moveSuggestion(list, 1)) e.preventDefault();
    else if (e.key === 'ArrowUp' && moveSuggestion(list, -1)) e.preventDefault();
    else if (e.key === 'Enter') {
      e.preventDefault();
      if (!list.hidden && list._items?.length) chooseCustomer(list._items[Math.max(0, suggestionIndex)]);
    } else if (e.key === 'Escape') hide(list);
  });
  $('customer-clear').addEventListener('click', () => chooseCustomer(null));
  $('pay-amount').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && state.modes[0]) {
      e.preventDefault();
      addPayment(state.modes[0]);
    }
  });
  $('validate').addEventListener('click', validateSale);
  $('cancel-sale').addEventListener('click', cancelSale);
  $('cashier').addEventListener('change', (e) => setCashier(e.target.value));
  window.addEventListener('pagehide', closeCashierOnExit);
  $('show-tickets').addEventListener('click', showTickets);
  $('close-day').addEventListener('click', closeDay);
  $('extract').addEventListener('click', extractSheet);
  $('add-settlement').addEventListener('click', settlementSheet);
  $('send').addEventListener('click', sendSheet);
  $('sheet-close').addEventListener('click', closeSheet);
  $('sheet-print').addEventListener('click', () => window.print());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('overlay').hidden) closeSheet();
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
