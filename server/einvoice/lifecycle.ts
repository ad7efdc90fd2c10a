/**
 * The life of an e-invoice. `produced` and `sent` are tillsync's own; the others are the statuses
 * of the French reform's lifecycle (CDAR codes 200–213) that a platform (PDP) returns. Pure.
 * A rejected invoice (213, refused by the platform for its form) and a refused one (210, by the
 * buyer) are never renumbered nor sent again as they are: the law wants a credit note cancelling
 * it and a new invoice with a new number.
 */
export const STATUSES = {
  produced: { code: null, label: 'produite' },
  sent: { code: null, label: 'transmise à la plateforme' },
  deposited: { code: '200', label: 'déposée' },
  issued: { code: '201', label: 'émise par la plateforme' },
  received: { code: '202', label: 'reçue par la plateforme' },
  'made-available': { code: '203', label: 'mise à disposition' },
  'in-hand': { code: '204', label: 'prise en charge' },
  approved: { code: '205', label: 'approuvée' },
  'partially-approved': { code: '206', label: 'approuvée partiellement' },
  disputed: { code: '207', label: 'en litige' },
  suspended: { code: '208', label: 'suspendue' },
  completed: { code: '209', label: 'complétée' },
  refused: { code: '210', label: 'refusée' },
  'payment-sent': { code: '211', label: 'paiement transmis' },
  collected: { code: '212', label: 'encaissée' },
  rejected: { code: '213', label: 'rejetée' },
} as const;

export type EinvoiceStatus = keyof typeof STATUSES;

export function isStatus(s: string): s is EinvoiceStatus {
  return Object.prototype.hasOwnProperty.call(STATUSES, s);
}

/** A platform's numeric code (e.g. "213") or our name → our name; undefined when unknown. */
export function statusOf(codeOrName: string): EinvoiceStatus | undefined {
  const t = codeOrName.trim().toLowerCase();
  if (isStatus(t)) return t;
  return (Object.keys(STATUSES) as EinvoiceStatus[]).find((k) => STATUSES[k].code === t);
}

/** Ends of the road: nothing moves an e-invoice out of them. */
export const FINAL: ReadonlySet<EinvoiceStatus> = new Set(['rejected', 'refused', 'collected']);

/** May this e-invoice be (re)sent to the platform? Only before the platform has taken it. */
export function sendable(s: EinvoiceStatus): boolean {
  return s === 'produced';
}

/** What the shop must do next, said to the operator. */
export function nextStep(s: EinvoiceStatus, number: string): string | null {
  if (s === 'rejected' || s === 'refused') return `invoice ${number} was ${s}: it keeps its number; make a credit note cancelling it and a new invoice (never send ${number} again)`;
  return null;
}

/** Can `from` move to `to`? Final statuses never move; anything after `sent` came from the platform. */
export function canMove(from: EinvoiceStatus, to: EinvoiceStatus): boolean {
  if (from === to) return false;
  if (FINAL.has(from)) return false;
  if (to === 'produced') return false;
  if (to === 'sent') return from === 'produced';
  return from !== 'produced';
}
