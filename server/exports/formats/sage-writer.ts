/**
 * Sage 100 Comptabilité, "format Sage" ASCII import of entries (PNM file, menu Fichier > Import >
 * Format Sage). Sage does not publish this layout; the one written here is the fixed-width record
 * widely documented by integrators (see docs/exports.md, "Sage 100 (PNM)"), one record per line,
 * CRLF, Windows ANSI (latin-9 here):
 *
 *   journal 3 · date JJMMAA 6 · piece type 2 (FA invoice, AV credit note, RG treasury) · general
 *   account 13 · account type 1 (X on a third-party line, A on an analytic line, blank) · third
 *   party or analytic section 13 · reference 13 · label 25 · payment mode 1 · due date 6 ·
 *   direction 1 (D/C) · amount 20 (right-aligned, decimal point) · entry type 1 (N)  = 105 characters
 *
 * A revenue or charge line with an analytic section is followed by its analytic record (type A,
 * the same amount on the section), as Sage's import expects the analytic breakdown after its line.
 */
import type { LedgerEntry } from '../ledger-model.ts';
import { FieldCutter, analyticRecords, day, direction } from './fields.ts';
import type { FormatWriter } from './format-writer.ts';

export const SAGE_RECORD_LENGTH = 105;

export class SageWriter implements FormatWriter {
  private readonly cut = new FieldCutter('Sage PNM');

  head(): string {
    return '';
  }

  entry(e: LedgerEntry): string {
    const type = e.kind === 'treasury' ? 'RG' : e.creditNote ? 'AV' : 'FA';
    let out = '';
    const record = (account: string, accountType: string, aux: string, label: string, sens: string, amount: string) =>
      this.cut.fit(e.journal, 3, 'journal', e.id) +
      day(e.date, 'DDMMYY') +
      type +
      this.cut.fit(account, 13, 'general account', e.id) +
      accountType +
      this.cut.fit(aux, 13, accountType === 'A' ? 'analytic section' : 'third party', e.id) +
      this.cut.fit(e.piece, 13, 'reference', e.id) +
      this.cut.fit(label, 25, 'label', e.id) +
      ' ' +
      '      ' +
      sens +
      this.cut.fit(amount, 20, 'amount', e.id, { right: true }) +
      'N\r\n';
    for (const l of e.lines) {
      const { sens, amount } = direction(l);
      out += record(l.account, l.auxAccount ? 'X' : ' ', l.auxAccount ?? '', l.label || e.label, sens, amount);
      for (const a of analyticRecords(l)) out += record(l.account, 'A', a.section, l.label || e.label, sens, a.amount);
    }
    return out;
  }

  tail(): string {
    return '';
  }

  get warnings(): string[] {
    return this.cut.warnings;
  }
}
