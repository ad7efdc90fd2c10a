/**
 * Which customer account an outside document belongs to. Outside files name the customer by the
 * code the accounting software knows: tillsync's customer code, or its third-party account (the
 * two are often the same). Resolved through the accounting mapping, so that the mirror entry
 * lands on the very account and third party the till's payments are posted on — else lettering
 * could never meet them.
 */
import type { Customer } from '../../sync/types.ts';
import { customerResolver, type AccountingMapping, type CustomerAccount } from '../accounting/mapping.ts';

export function outsideCustomerResolver(m: AccountingMapping, customers: Customer[]): (name: string) => CustomerAccount | null {
  const resolve = customerResolver(m, customers);
  const codes = new Set(customers.map((c) => c.code));
  const byThirdParty = new Map<string, string>();
  for (const c of customers) if (c.thirdParty && !byThirdParty.has(c.thirdParty)) byThirdParty.set(c.thirdParty, c.code);
  return (name) => {
    if (codes.has(name) || m.customers.overrides[name]) return resolve(name);
    const code = byThirdParty.get(name);
    return code ? resolve(code) : null;
  };
}
