/** Human renderings of tickets, closures and status for the terminal (the --json output is the data itself). */
import type { Closure, Ticket } from '../sync/types.ts';
import type { FlaggedTicket } from './store/till-store.ts';
import type { TillStatus } from './till-status.ts';

/** A sold ticket as a receipt-like text for the terminal. */
export function ticketText(t: FlaggedTicket | Ticket): string {
  const out = [`Ticket ${t.id}  ${t.soldAt}  customer ${t.customer}${t.degraded ? '  [DEGRADED: server away]' : ''}`];
  for (const l of t.lines) {
    out.push(`  ${l.qty.padStart(5)} × ${l.label.padEnd(28).slice(0, 28)} ${l.unitPrice.padStart(9)} ${l.inclVat.padStart(10)}  ${l.vatCode}`);
    if (l.discount) out.push(`        discount ${l.discount.percent ? `${l.discount.percent} % ` : ''}${l.discount.amount}`);
  }
  for (const s of t.settlements) out.push(`  ${s.kind === 'invoice' ? 'invoice payment' : 'deposit on order'} ${s.ref}`.padEnd(55) + s.amount.padStart(10));
  out.push(`  ${'Total due'.padEnd(53)}${t.totals.due.padStart(10)}`);
  for (const v of t.totals.byVat) out.push(`    VAT ${v.vatCode} ${v.rate} %: base ${v.base}  VAT ${v.vat}`);
  for (const p of t.payments) out.push(`  paid ${p.mode}${p.ref ? ` (${p.ref})` : ''}`.padEnd(55) + p.amount.padStart(10));
  return out.join('\n');
}

const CLOSURE_TITLE = { day: 'Z report', month: 'Monthly closure', year: 'Fiscal-year closure' } as const;

export function closureText(c: Closure): string {
  const kind = c.kind ?? 'day';
  const head = kind === 'day' ? `${CLOSURE_TITLE.day} ${c.id}  day ${c.day}` : `${CLOSURE_TITLE[kind]} ${c.id}  ${kind} ${c.period}`;
  const out = [`${head}  closed ${c.closedAt}`, `  tickets ${c.ticketCount}${c.firstNumber !== null ? ` (${c.firstNumber}–${c.lastNumber})` : ''}`];
  for (const v of c.byVat) out.push(`  VAT ${v.vatCode} ${v.rate} %: incl ${v.inclVat}  base ${v.base}  VAT ${v.vat}`);
  for (const m of c.byMode) out.push(`  ${m.mode.padEnd(6)} ${String(m.count).padStart(5)} × ${m.amount.padStart(12)}`);
  out.push(`  total ${c.total}   perpetual grand total ${c.grandTotal}${c.yearTotal !== undefined ? `   fiscal year so far ${c.yearTotal}` : ''}`);
  if (c.grandTotalAbs !== undefined) out.push(`  perpetual grand total in absolute value ${c.grandTotalAbs}`);
  if (c.signature) out.push(`  signed by key ${c.keyFingerprint}   hash ${c.hash.slice(0, 16)}…   signature ${c.signature.slice(0, 16)}…`);
  return out.join('\n');
}

export function statusText(s: TillStatus): string {
  const c = s.counts;
  return [
    `Till ${s.store}-${s.till}  ${s.mode === 'standalone' ? 'no server configured (standalone)' : `server ${s.server}: ${s.mode === 'online' ? 'online' : s.mode === 'degraded' ? `AWAY (unreachable: ${s.serverUnreachable ?? 'no answer'}), selling in degraded mode` : 'not checked yet'}`}`,
    `  last ticket ${s.lastNumber}   sold since last closure ${s.openTickets}`,
    `  tickets ${c.total}: degraded ${c.degraded}, untransferred ${c.untransferred}, packaged ${c.packaged}, acknowledged ${c.acknowledged}, documents written back ${c.documents}`,
    `  last server contact ${s.lastServerContact ?? 'never'}`,
    `  signing key ${s.signingKeyId ?? 'none yet'}${s.transport ? `   link ${s.transport === 'tls-pinned' ? 'TLS, certificate pinned' : s.transport === 'tls' ? 'TLS (system CAs)' : s.transport === 'http-loopback' ? 'plain HTTP on this machine' : 'WARNING: plain HTTP across the network (--insecure-http)'}` : ''}`,
    `  last closure ${s.lastClosure ? `${s.lastClosure.id} on ${s.lastClosure.closedAt} (grand total ${s.lastClosure.grandTotal})` : 'none'}`,
    ...(s.fiscal
      ? [
          `  last monthly closure ${s.fiscal.lastMonth ? `${s.fiscal.lastMonth.id} (${s.fiscal.lastMonth.period})` : 'none'}   last fiscal-year closure ${s.fiscal.lastYear ? `${s.fiscal.lastYear.id} (${s.fiscal.lastYear.period})` : 'none'}${s.fiscal.pendingClosure ? `   UNFINISHED: ${s.fiscal.pendingClosure}` : ''}`,
          `  journal ${s.fiscal.journalEvents} events   signing key ${s.fiscal.keyFingerprint ?? 'not made yet'}${s.fiscal.training ? '   TRAINING MODE' : ''}`,
        ]
      : []),
  ].join('\n');
}
