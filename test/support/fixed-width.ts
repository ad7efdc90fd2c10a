/**
 * Test-side readers of the accounting software formats: a record cut back into named fields by
 * the widths the format's description gives (docs/exports.md), so tests check positions, amounts
 * and accounts field by field instead of trusting the writer's own arithmetic.
 */
export type Layout = [name: string, width: number][];

export function readFixed(record: string, layout: Layout): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  for (const [name, width] of layout) {
    out[name] = record.slice(at, at + width);
    at += width;
  }
  return out;
}

export const layoutLength = (layout: Layout) => layout.reduce((s, [, w]) => s + w, 0);

/** Sage 100 PNM movement record. */
export const SAGE_LAYOUT: Layout = [
  ['journal', 3], ['date', 6], ['pieceType', 2], ['account', 13], ['accountType', 1], ['aux', 13], ['reference', 13], ['label', 25], ['paymentMode', 1], ['dueDate', 6], ['sens', 1], ['amount', 20], ['entryType', 1],
];

/** Ciel XIMPORT record. */
export const CIEL_LAYOUT: Layout = [
  ['movement', 5], ['journal', 2], ['date', 8], ['dueDate', 8], ['piece', 12], ['account', 11], ['label', 25], ['amount', 13], ['sens', 1], ['lettering', 12], ['analytic', 6], ['accountLabel', 34], ['version', 5],
];

/** QuadraCOMPTA M record. */
export const QUADRATUS_M_LAYOUT: Layout = [
  ['type', 1], ['account', 8], ['journal', 2], ['folio', 3], ['date', 6], ['labelCode', 1], ['label', 20], ['sens', 1], ['sign', 1], ['cents', 12], ['counterpart', 8], ['dueDate', 6], ['lettering', 2], ['stat', 3], ['piece5', 5], ['business', 10], ['quantity', 10], ['piece8', 8], ['currency', 3], ['journal3', 3], ['filler', 3], ['label30', 30], ['vatCode', 2], ['piece10', 10], ['reserved', 10], ['currencyAmount', 13], ['attachment', 12], ['filler2', 38],
];

/** Cegid TRA movement record. */
export const CEGID_LAYOUT: Layout = [
  ['journal', 3], ['date', 8], ['pieceType', 2], ['account', 17], ['accountType', 1], ['aux', 17], ['reference', 35], ['label', 35], ['paymentMode', 3], ['dueDate', 8], ['sens', 1], ['amount', 20], ['entryType', 1], ['number', 8], ['currency', 3],
];
