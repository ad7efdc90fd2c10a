/**
 * Ciel Compta / Sage 50, XIMPORT.TXT (Dossier > Import > Écritures, "format XIMPORT"), fixed
 * width, CRLF, as Dolibarr writes it (accountancyexport.class.php, exportCiel, reviewed against
 * Sage 50's technical help) —
 *
 *   movement number 5 · journal 2 · date AAAAMMJJ 8 · due date 8 · piece 12 · account 11 (the
 *   third party on customer lines) · label 25 · amount 13 (right-aligned, decimal comma) · D/C 1 ·
 *   lettering 12 + analytic section 6 · account label 34 · "O2003" (euro, 2003 layout)
 *
 * All lines of one entry share its movement number (Ciel balances movement by movement).
 */
import type { LedgerEntry } from '../ledger-model.ts';
import { FieldCutter, accountOrThirdParty, day, direction, oneSection } from './fields.ts';
import type { FormatWriter } from './format-writer.ts';

export const CIEL_RECORD_LENGTH = 5 + 2 + 8 + 8 + 12 + 11 + 25 + 13 + 1 + 18 + 34 + 5;

export class CielWriter implements FormatWriter {
  private readonly cut = new FieldCutter('Ciel XIMPORT');
  private movement = 0;

  head(): string {
    return '';
  }

  entry(e: LedgerEntry): string {
    const n = String(++this.movement);
    let out = '';
    for (const l of e.lines) {
      const { sens, amount } = direction(l);
      out +=
        this.cut.fit(n, 5, 'movement number', e.id) +
        this.cut.fit(e.journal, 2, 'journal', e.id) +
        day(e.date, 'YYYYMMDD') +
        day(e.pieceDate || e.date, 'YYYYMMDD') +
        this.cut.fit(e.piece, 12, 'piece', e.id) +
        this.cut.fit(accountOrThirdParty(l), 11, 'account', e.id) +
        this.cut.fit(l.label || e.label, 25, 'label', e.id) +
        this.cut.fit(amount.replace('.', ','), 13, 'amount', e.id, { right: true }) +
        sens +
        this.cut.fit(l.letterCode ?? '', 12, 'lettering', e.id) +
        this.cut.fit(oneSection(l, this.cut, e.id), 6, 'analytic section', e.id) +
        this.cut.fit(l.auxAccount ? l.auxLabel : l.accountLabel, 34, 'account label', e.id) +
        'O2003\r\n';
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
