/**
 * The customers file written beside the entries (seed 002 "Fichier Clients : CLIENTS.TXT") for the
 * software that imports its third parties apart (Sage, EBP, Ciel, Cegid — Quadratus takes them
 * inline): one line per customer the entries name, `;`-separated with a header, for the software's
 * parameterisable import of third parties (each of them maps columns by name):
 *
 *   Code;Name;Account;Address;VatNumber
 *
 * The codes are the ones the entries use (generated ones included), so entries and customers meet.
 */
import type { ViewCustomer } from '../profiles/profile-view.ts';

const cell = (v: string | null) => (v ?? '').replace(/[;\r\n]+/g, ' ').trim();

export function customersFile(customers: Iterable<ViewCustomer>): string {
  let out = 'Code;Name;Account;Address;VatNumber\r\n';
  for (const c of [...customers].sort((a, b) => a.code.localeCompare(b.code))) out += [c.code, c.name, c.account, c.address, c.vatNumber].map(cell).join(';') + '\r\n';
  return out;
}
