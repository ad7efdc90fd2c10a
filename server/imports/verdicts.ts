/**
 * Per-line verdicts of an import: every line of the file gets one, naming the file and line, so
 * an operator sees what was taken, what was already there and what was refused (and why) without
 * opening the file. Refused lines never stop the good lines around them.
 */
export type Verdict = 'import' | 'already' | 'skip' | 'error' | 'unmatched';

export interface LineVerdict {
  line: number;
  verdict: Verdict;
  /** The item's identity (invoice number, bank reference…) when the line had one. */
  key: string | null;
  message: string;
}

export function countVerdicts(vs: LineVerdict[]): Record<Verdict, number> {
  const out: Record<Verdict, number> = { import: 0, already: 0, skip: 0, error: 0, unmatched: 0 };
  for (const v of vs) out[v.verdict]++;
  return out;
}

export function renderVerdicts(file: string, vs: LineVerdict[], only: Verdict[] = ['already', 'skip', 'error', 'unmatched']): string[] {
  return vs.filter((v) => only.includes(v.verdict)).map((v) => `  ${file} line ${v.line}: ${v.verdict}${v.key ? ` ${v.key}` : ''}: ${v.message}`);
}
