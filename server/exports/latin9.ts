/**
 * ISO 8859-15 (latin-9), one of the three character sets article A47 A-1 LPF allows for the FEC
 * (ASCII, ISO 8859-15, EBCDIC). Node has latin-1 only; latin-9 differs from it on eight code
 * points (€, Š, š, Ž, ž, Œ, œ, Ÿ). Characters outside the set are transliterated when a close
 * one exists (’ → ', – → -) and otherwise become '?', so a label never breaks the file.
 */
const LATIN9_SPECIAL: Record<string, number> = { '€': 0xa4, Š: 0xa6, š: 0xa8, Ž: 0xb4, ž: 0xb8, Œ: 0xbc, œ: 0xbd, Ÿ: 0xbe };
/** Latin-1 code points that latin-9 reassigned: not representable any more. */
const LATIN1_REPLACED = new Set([0xa4, 0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe]);
const FALLBACK: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201c': '"', '\u201d': '"', '\u201e': '"',
  '\u2013': '-', '\u2014': '-', '\u2026': '...', '\u202f': ' ', '\u2009': ' ', '\u2007': ' ',
};
const DECODE_SPECIAL = new Map(Object.entries(LATIN9_SPECIAL).map(([ch, b]) => [b, ch]));

/** Text made only of code points latin-1 and latin-9 share encodes as latin-1 directly (the usual case). */
// eslint-disable-next-line no-control-regex
const SHARED_WITH_LATIN1 = /^[\u0000-\u00a3\u00a5\u00a7\u00a9-\u00b3\u00b5-\u00b7\u00b9-\u00bb\u00bf-\u00ff]*$/;

export function encodeLatin9(text: string): Buffer {
  if (SHARED_WITH_LATIN1.test(text)) return Buffer.from(text, 'latin1');
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const special = LATIN9_SPECIAL[ch];
    if (special !== undefined) out.push(special);
    else if (cp < 0x100 && !LATIN1_REPLACED.has(cp)) out.push(cp);
    else {
      const repl = FALLBACK[ch] ?? '?';
      for (const c of repl) out.push(c.charCodeAt(0));
    }
  }
  return Buffer.from(out);
}

export function decodeLatin9(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += DECODE_SPECIAL.get(b) ?? String.fromCharCode(b);
  return s;
}
