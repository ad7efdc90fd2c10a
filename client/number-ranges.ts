/**
 * Sets of ticket numbers as compact text ("1-500,502,504-600"): a package record names the
 * tickets it holds without one stored write per ticket.
 */
export function encodeRanges(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function decodeRanges(text: string): number[] {
  const out: number[] = [];
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`bad number range "${part}"`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    for (let n = a; n <= b; n++) out.push(n);
  }
  return out;
}

/** Splits encoded ranges into pieces of at most `maxChars`, cutting only between ranges. */
export function splitRanges(text: string, maxChars: number): string[] {
  if (!text) return [''];
  const pieces: string[] = [];
  let cur = '';
  for (const part of text.split(',')) {
    if (cur && cur.length + 1 + part.length > maxChars) {
      pieces.push(cur);
      cur = part;
    } else cur = cur ? `${cur},${part}` : part;
  }
  if (cur) pieces.push(cur);
  return pieces;
}
