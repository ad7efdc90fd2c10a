/**
 * QuadraCOMPTA (Cegid Quadra), ASCII import of entries (Outils > Surveillance de dossier > Import
 * ASCII), fixed width, CRLF, as Dolibarr writes it (accountancyexport.class.php, exportQuadratus,
 * after "Fichier d'entrée ASCII dans QuadraCOMPTA"): a `C` record creates or updates each customer
 * account before its first movement (Quadratus takes its customers inline: no separate customers
 * file), then one `M` record per entry line —
 *
 *   M · account 8 (third party on customer lines) · journal 2 · folio "000" · date JJMMAA · code
 *   libellé 1 · label 20 · D/C · sign "+" · amount in cents 12 · counterpart 8 · due date JJMMAA ·
 *   lettering 2 · stat code 3 · piece 5 · business 10 · quantity 10 · piece 8 · currency 3 ·
 *   journal 3 · filler 3 · label 30 · VAT code 2 · piece 10 · reserved 10 · currency amount 13 ·
 *   attachment 12 · filler 38
 */
import type { LedgerEntry } from '../ledger-model.ts';
import { FieldCutter, accountOrThirdParty, cents, day, direction, oneSection } from './fields.ts';
import type { FormatWriter } from './format-writer.ts';

export const QUADRATUS_M_LENGTH = 1 + 8 + 2 + 3 + 6 + 1 + 20 + 1 + 1 + 12 + 8 + 6 + 2 + 3 + 5 + 10 + 10 + 8 + 3 + 3 + 3 + 30 + 2 + 10 + 10 + 13 + 12 + 38;

export class QuadratusWriter implements FormatWriter {
  private readonly cut = new FieldCutter('Quadratus');
  private readonly known = new Set<string>();

  constructor(private readonly currency = 'EUR') {}

  head(): string {
    return '';
  }

  private customer(e: LedgerEntry, code: string, name: string, collective: string): string {
    return (
      'C' +
      this.cut.fit(code, 8, 'third party', e.id) +
      this.cut.fit(name, 30, 'customer name', e.id) +
      this.cut.fit(name.toUpperCase(), 7, 'alpha key', null) +
      ' '.repeat(52) +
      this.cut.fit(collective, 8, 'collective account', e.id) +
      ' '.repeat(110) +
      '2' + // partial update: alpha key, label, collective
      'C' +
      ' '.repeat(235) +
      '\r\n'
    );
  }

  entry(e: LedgerEntry): string {
    let out = '';
    for (const l of e.lines) {
      if (l.auxAccount && !this.known.has(l.auxAccount)) {
        this.known.add(l.auxAccount);
        out += this.customer(e, l.auxAccount, l.auxLabel ?? l.auxAccount, l.account);
      }
      const { sens, amount } = direction(l);
      const label = l.label || e.label;
      out +=
        'M' +
        this.cut.fit(accountOrThirdParty(l), 8, 'account', e.id) +
        this.cut.fit(e.journal, 2, 'journal', e.id) +
        '000' +
        day(e.date, 'DDMMYY') +
        ' ' +
        this.cut.fit(label, 20, 'label', e.id) +
        sens +
        '+' +
        this.cut.fit(cents(amount), 12, 'amount', e.id, { right: true, pad: '0' }) +
        ' '.repeat(8) +
        day(e.pieceDate || e.date, 'DDMMYY') +
        this.cut.fit((l.letterCode ?? '').slice(0, 2), 2, 'lettering', e.id) +
        '   ' +
        this.cut.fit(e.piece, 5, 'piece (5)', null, { right: true }) +
        this.cut.fit(oneSection(l, this.cut, e.id), 10, 'analytic section', e.id) +
        ' '.repeat(10) +
        this.cut.fit(e.piece, 8, 'piece (8)', null, { right: true }) +
        this.cut.fit(this.currency, 3, 'currency', e.id) +
        this.cut.fit(e.journal, 3, 'journal', e.id) +
        '   ' +
        this.cut.fit(label, 30, 'label', e.id) +
        '  ' +
        this.cut.fit(e.piece, 10, 'piece (10)', null, { right: true }) +
        ' '.repeat(10) +
        ' '.repeat(13) +
        ' '.repeat(12) +
        ' '.repeat(38) +
        '\r\n';
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
