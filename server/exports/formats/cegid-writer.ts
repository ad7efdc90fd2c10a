/**
 * Cegid (Business Suite / Expert), TRA file of the ComSx exchange ("Import Cegid (ComSx)"), journal
 * content. Cegid does not publish the layout; the header is the one integrators document
 * (***S5EXPJRL…, see docs/exports.md, "Cegid (TRA)"), the movement record the standard fixed-width
 * one, CRLF, Windows ANSI (latin-9 here) —
 *
 *   journal 3 · date JJMMAAAA 8 · piece type 2 (FC invoice, AC credit note, RC receipt) · general
 *   account 17 · account type 1 (X third party, A analytic, blank) · third party or section 17 ·
 *   reference 35 · label 35 · payment mode 3 · due date JJMMAAAA 8 · D/C 1 · amount 20
 *   (right-aligned, decimal comma) · entry type 1 (N) · piece number 8 · currency 3
 *
 * A revenue or charge line with an analytic section is followed by its analytic record (type A,
 * axis in the section's first two characters' place: "A1" by default, the profile's plan otherwise).
 */
import type { LedgerEntry } from '../ledger-model.ts';
import { FieldCutter, analyticRecords, day, direction } from './fields.ts';
import type { FormatWriter } from './format-writer.ts';

export const CEGID_RECORD_LENGTH = 3 + 8 + 2 + 17 + 1 + 17 + 35 + 35 + 3 + 8 + 1 + 20 + 1 + 8 + 3;

export class CegidWriter implements FormatWriter {
  private readonly cut = new FieldCutter('Cegid TRA');
  private seq = 0;

  constructor(private readonly opts: { currency?: string; axis?: string } = {}) {}

  head(): string {
    // ***, product S5, origin EXP (accounting firm), content JRL (journal), layout ETE (extended), default dates, version 011.
    return '***S5EXPJRLETE   0101190001011900011     010119000000CEGID' + ' '.repeat(65) + '-' + ' '.repeat(12) + '01011900001--' + ' '.repeat(16) + '\r\n';
  }

  entry(e: LedgerEntry): string {
    const type = e.kind === 'treasury' ? 'RC' : e.creditNote ? 'AC' : 'FC';
    const number = String(++this.seq);
    let out = '';
    const record = (account: string, accountType: string, aux: string, label: string, sens: string, amount: string) =>
      this.cut.fit(e.journal, 3, 'journal', e.id) +
      day(e.date, 'DDMMYYYY') +
      type +
      this.cut.fit(account, 17, 'general account', e.id) +
      accountType +
      this.cut.fit(aux, 17, accountType === 'A' ? 'analytic section' : 'third party', e.id) +
      this.cut.fit(e.piece, 35, 'reference', e.id) +
      this.cut.fit(label, 35, 'label', e.id) +
      '   ' +
      day(e.pieceDate || e.date, 'DDMMYYYY') +
      sens +
      this.cut.fit(amount.replace('.', ','), 20, 'amount', e.id, { right: true }) +
      'N' +
      this.cut.fit(number, 8, 'piece number', e.id, { right: true, pad: '0' }) +
      this.cut.fit(this.opts.currency ?? 'EUR', 3, 'currency', e.id) +
      '\r\n';
    for (const l of e.lines) {
      const { sens, amount } = direction(l);
      out += record(l.account, l.auxAccount ? 'X' : ' ', l.auxAccount ?? '', l.label || e.label, sens, amount);
      for (const a of analyticRecords(l)) out += record(l.account, 'A', `${this.opts.axis ?? 'A1'}${a.section}`, l.label || e.label, sens, a.amount);
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
