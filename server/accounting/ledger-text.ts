/**
 * Entries as readable text, one line per entry line, the way an accountant reads a journal:
 *
 *   70 2026-11-02 F00000001 Ventes caisse 01 du 2026-11-02 - Client comptoir
 *     410000/0000002 D 483.60 #F00000001
 *     707000 C 403.00 VN
 *     445711 C 80.60 VN
 *
 * Used by the tests: ledger data as literal text.
 */
import type { Decimals } from '../../sync/money.ts';
import { unitsText } from './units.ts';
import type { EntryDraft } from './ledger-types.ts';

export function renderEntry(e: EntryDraft, decimals: Decimals = 2): string {
  const out = [`${e.journal} ${e.date} ${e.piece} ${e.label}`];
  for (const l of e.lines) {
    const side = l.amount < 0 ? `C ${unitsText(-l.amount, decimals)}` : `D ${unitsText(l.amount, decimals)}`;
    out.push(`  ${l.account}${l.aux ? `/${l.aux}` : ''} ${side}${l.vatCode ? ` ${l.vatCode}` : ''}${l.letterKey ? ` #${l.letterKey}` : ''}`);
  }
  return out.join('\n');
}

export function renderLedger(entries: EntryDraft[], decimals: Decimals = 2): string {
  return entries.map((e) => renderEntry(e, decimals)).join('\n');
}
