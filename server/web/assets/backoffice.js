// tillsync back office: small enhancements over plain HTML forms (every page works without it).
// A module script: deferred like the classic one was, and it shares the server's money code.

import { addExact, formatScaled, toScaled } from './scaled-int.js';

// ---------- exact sums of decimal text in the browser ----------
// The server's own money module (sync/scaled-int.js, served as assets/scaled-int.js): amounts as
// exact integers of 10^-4, the finest the books keep, never floats. Text it cannot read exactly
// shows as "NaN" rather than a wrong total.
const SCALE = 4;
const units = (text) => toScaled(String(text || '0').trim(), SCALE) ?? NaN;
const sum = (texts) => texts.reduce((s, x) => (Number.isNaN(s) ? s : (addExact(s, units(x)) ?? NaN)), 0);
// Written as the server writes amounts (server/web/format.ts): Intl reads the decimal string exactly.
const LOCALE = { fr: 'fr-FR', en: 'en-GB' }[document.documentElement.lang] || 'fr-FR';
const MONEY = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: SCALE });
const fmt = (u) => (Number.isNaN(u) ? 'NaN' : MONEY.format(formatScaled(u, SCALE)));

// ---------- check grids (control grid, entries to create) ----------
function setupCheckGrid(table) {
  const rowBoxes = () => [...table.querySelectorAll('tbody input[type=checkbox]:not(.group-check)')];
  const all = table.querySelector('.check-all');

  function refresh() {
    for (const box of rowBoxes()) box.closest('tr').classList.toggle('unchecked', !box.checked);
    for (const g of table.querySelectorAll('.group-check')) {
      const boxes = rowBoxes().filter((b) => b.closest('tr').dataset.group === g.dataset.group);
      const on = boxes.filter((b) => b.checked).length;
      g.checked = on === boxes.length && on > 0;
      g.indeterminate = on > 0 && on < boxes.length;
    }
    const boxes = rowBoxes();
    const on = boxes.filter((b) => b.checked);
    if (all) {
      // Boxes that cannot be ticked (a line refused) do not keep "all" from being checked.
      const live = boxes.filter((b) => !b.disabled);
      all.checked = on.length === live.length && live.length > 0;
      all.indeterminate = on.length > 0 && on.length < live.length;
    }
    // Control grid footer: count and total of the checked tickets.
    const summary = document.getElementById('grid-summary');
    if (summary && table.id === 'control-grid') {
      summary.querySelector('.checked-count').textContent = String(on.length);
      summary.querySelector('.checked-total').textContent = fmt(sum(on.map((b) => b.closest('tr').dataset.amount)));
    }
    // Import grids (marketplace sales, bank statement): count of the ticked lines.
    const ticked = table.closest('form')?.querySelector('.checked-count');
    if (ticked && (table.id === 'sales-grid' || table.id === 'bank-grid')) ticked.textContent = String(on.length);
    // Entries grid: totals and counts of what will be created.
    if (table.classList.contains('entries')) {
      const lines = on.map((b) => b.closest('tr'));
      const d = sum(lines.map((tr) => tr.dataset.debit));
      const c = sum(lines.map((tr) => tr.dataset.credit));
      table.querySelector('[data-total=debit]').textContent = fmt(d);
      table.querySelector('[data-total=credit]').textContent = fmt(c);
      const counts = table.closest('.table-wrap').nextElementSibling;
      if (counts?.classList.contains('counts')) {
        counts.querySelector('.entry-count').textContent = String(new Set(lines.map((tr) => tr.dataset.group)).size);
        counts.querySelector('.line-count').textContent = String(lines.length);
      }
    }
  }

  table.addEventListener('change', (ev) => {
    const t = ev.target;
    if (!(t instanceof HTMLInputElement) || t.type !== 'checkbox') return;
    if (t.classList.contains('check-all')) {
      for (const b of rowBoxes()) if (!b.disabled) b.checked = t.checked;
    } else if (t.classList.contains('group-check')) {
      for (const b of rowBoxes()) if (!b.disabled && b.closest('tr').dataset.group === t.dataset.group) b.checked = t.checked;
    } else if (t.classList.contains('entry-check')) {
      // An entry is created whole or not at all, and posting leaves out whole documents: unchecking
      // an entry takes every entry of the same documents with it, and every entry relying on them
      // (a payment of an invoice left out, a voucher of a deposit left out), until nothing more
      // follows; so what is struck is exactly what the run leaves out. Checking an entry back
      // brings back the entries of its documents and what it relies on.
      const split = (s) => (s || '').split(' ').filter(Boolean);
      const entries = new Map();
      for (const b of rowBoxes()) {
        const tr = b.closest('tr');
        if (!b.disabled && !entries.has(tr.dataset.group)) entries.set(tr.dataset.group, { keys: split(tr.dataset.docs), needs: split(tr.dataset.needs) });
      }
      const chosen = new Set([t.dataset.group]);
      const keys = new Set(entries.get(t.dataset.group)?.keys);
      const needs = new Set(entries.get(t.dataset.group)?.needs);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [group, e] of entries) {
          if (chosen.has(group)) continue;
          const follows = e.keys.some((k) => keys.has(k)) || (t.checked ? e.keys.some((k) => needs.has(k)) : e.needs.some((k) => keys.has(k)));
          if (!follows) continue;
          chosen.add(group);
          for (const k of e.keys) keys.add(k);
          for (const k of e.needs) needs.add(k);
          grew = true;
        }
      }
      for (const b of rowBoxes()) if (!b.disabled && chosen.has(b.closest('tr').dataset.group)) b.checked = t.checked;
    }
    refresh();
  });
  refresh();
}

// ---------- nightly run: live processing log ----------
function setupNightly(section) {
  const log = document.getElementById('nightly-log');
  const status = document.getElementById('nightly-status');
  const bar = document.getElementById('nightly-progress');
  let after = Number(section.dataset.after || 0);
  let finished = false;

  const steps = document.getElementById('nightly-steps');
  // Words of the page's language, given by the server (pages/nightly-page.ts).
  const words = JSON.parse(section.dataset.words || '{}');
  const word = (w) => words[w] || w;
  const stepName = document.getElementById('nightly-step');

  function show(ev) {
    if (ev.seq <= after) return;
    after = ev.seq;
    if (log.querySelector('.muted')) log.replaceChildren();
    const div = document.createElement('div');
    div.dataset.seq = String(ev.seq);
    if (ev.kind === 'failed') div.className = 'err';
    if (ev.kind === 'done' || ev.kind === 'step-done') div.className = 'ok';
    div.textContent = `${new Date(ev.at).toLocaleTimeString(LOCALE)} - ${word(ev.step)} : ${ev.detail}`;
    log.append(div);
    log.scrollTop = log.scrollHeight;
    const m = /(\d+)\s*\/\s*(\d+)/.exec(ev.detail);
    if (ev.kind === 'start') {
      status.textContent = word('running');
      status.dataset.status = 'running';
      status.className = 'badge running';
      const n = /^(\d+) step/.exec(ev.detail);
      steps.max = n ? Number(n[1]) : 1;
      steps.value = 0;
      bar.removeAttribute('value');
    } else if (ev.kind === 'step-done' && m) {
      steps.max = Number(m[2]);
      steps.value = Number(m[1]);
      bar.removeAttribute('value');
    } else if (ev.kind === 'progress') {
      stepName.textContent = word(ev.step);
      if (m && Number(m[2]) > 0) {
        bar.max = Number(m[2]);
        bar.value = Number(m[1]);
      }
    }
    if (ev.kind === 'done' || ev.kind === 'failed') {
      finished = true;
      status.textContent = word(ev.kind);
      status.dataset.status = ev.kind;
      status.className = `badge ${ev.kind}`;
      for (const b of [bar, steps]) {
        b.max = 1;
        b.value = 1;
      }
      // The step results table is drawn by the server: fetch the finished page once.
      setTimeout(() => location.replace(location.pathname), 1500);
    }
  }

  if (window.EventSource) {
    const es = new EventSource(`api/nightly/events?after=${after}`);
    es.addEventListener('progress', (e) => show(JSON.parse(e.data)));
    es.onerror = () => {
      es.close();
      poll();
    };
  } else poll();

  async function poll() {
    while (!finished) {
      try {
        const res = await fetch(`api/nightly/progress?after=${after}`, { cache: 'no-store' });
        if (res.ok) for (const ev of (await res.json()).events) show(ev);
      } catch {
        // Server restarting: try again shortly.
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  if (section.dataset.running !== '1') bar.value = bar.value || 0;
}

document.addEventListener('DOMContentLoaded', () => {
  // A table wider or taller than its frame scrolls: keyboard users reach it too (WCAG 2.1.1).
  for (const w of document.querySelectorAll('.table-wrap')) if (w.scrollWidth > w.clientWidth || w.scrollHeight > w.clientHeight) w.tabIndex = 0;
  for (const t of document.querySelectorAll('table.checkgrid')) if (t.querySelector('tbody input[type=checkbox]')) setupCheckGrid(t);
  // Control grid: a double click on a ticket row opens the whole ticket (seed 004: "double clic sur une ligne").
  document.getElementById('control-grid')?.addEventListener('dblclick', (ev) => {
    const tr = ev.target instanceof Element && !ev.target.closest('input, a, button') ? ev.target.closest('tr.ticket[data-href]') : null;
    if (tr) location.href = tr.dataset.href;
  });
  // Marketplace control grid: a double click on a line opens the whole sale to edit it.
  document.getElementById('sales-grid')?.addEventListener('dblclick', (ev) => {
    const tr = ev.target instanceof Element && !ev.target.closest('input, a, button') ? ev.target.closest('tr.sale[data-href]') : null;
    if (tr) location.href = tr.dataset.href;
  });
  const nightly = document.getElementById('nightly');
  if (nightly) setupNightly(nightly);
});
