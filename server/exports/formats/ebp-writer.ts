/**
 * EBP Comptabilité, ASCII import of entries (Outils > Importation > Écritures, "format texte EBP"),
 * as Dolibarr's accountancy export writes it (htdocs/accountancy/class/accountancyexport.class.php,
 * exportEbp): one line per entry line, comma-separated, LF —
 *
 *   line number · date JJMMAAAA · journal · account (the third party on customer lines, else the
 *   general account) · "label" (40) · "piece" (15) · amount (absolute, decimal point) · D/C · due date JJMMAAAA
 *
 * Text fields are quoted; a quote inside one becomes an apostrophe (EBP's reader does not unescape).
 */
import type { LedgerEntry } from '../ledger-model.ts';
import { FieldCutter, accountOrThirdParty, day, direction } from './fields.ts';
import type { FormatWriter } from './format-writer.ts';

export class EbpWriter implements FormatWriter {
  private readonly cut = new FieldCutter('EBP');
  private n = 0;

  head(): string {
    return '';
  }

  private quoted(v: string, max: number, field: string, entry: number): string {
    return `"${this.cut.cap(v.replace(/"/g, "'"), max, field, entry)}"`;
  }

  entry(e: LedgerEntry): string {
    let out = '';
    for (const l of e.lines) {
      const { sens, amount } = direction(l);
      const account = accountOrThirdParty(l).replace(/,/g, '');
      out += [String(++this.n), day(e.date, 'DDMMYYYY'), e.journal.replace(/,/g, ''), account, this.quoted(l.label || e.label, 40, 'label', e.id), this.quoted(e.piece, 15, 'piece', e.id), amount, sens, day(e.pieceDate || e.date, 'DDMMYYYY')].join(',') + '\n';
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
