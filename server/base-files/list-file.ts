/**
 * The seed's list files (pvpplstmail.txt: mail recipients; pvpplstfic.txt: files to send). Both
 * must start with `DEBUT LISTE` and end with `FIN LISTE`; one item per line in between. Blank lines
 * and `;` comments are allowed anywhere, so an operator can annotate the list. Anything else is
 * refused with the file and line, because a half-read recipient list would silently leave a till
 * without its data.
 */
import { TillsyncError } from '../../sync/errors.ts';

export const LIST_START = 'DEBUT LISTE';
export const LIST_END = 'FIN LISTE';

export interface ListItem {
  line: number;
  value: string;
}

export type ListKind = 'mail' | 'files';

function normalise(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toUpperCase();
}

/** Parses a list file's text. `file` is only used in error messages. */
export function parseListFile(text: string, file: string, kind: ListKind): ListItem[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const meaningful: ListItem[] = [];
  lines.forEach((raw, i) => {
    const commentAt = raw.indexOf(';');
    const body = (commentAt >= 0 ? raw.slice(0, commentAt) : raw).trim();
    if (body !== '') meaningful.push({ line: i + 1, value: body });
  });
  const fail = (line: number, message: string, hint: string): never => {
    throw new TillsyncError('list-file', `${file} line ${line}: ${message}`, { hint, ref: { file, line } });
  };
  const first = meaningful[0];
  if (!first) fail(Math.max(1, lines.length), 'the list is empty', `write "${LIST_START}" on the first line, one ${kind === 'mail' ? 'address' : 'file'} per line, then "${LIST_END}"`);
  if (normalise(first!.value) !== LIST_START) fail(first!.line, `expected "${LIST_START}", found "${first!.value}"`, `the list must start with "${LIST_START}"`);
  const endAt = meaningful.findIndex((m, i) => i > 0 && normalise(m.value) === LIST_END);
  if (endAt < 0) {
    const last = lines.length > 0 && lines[lines.length - 1]!.trim() === '' ? lines.length - 1 : lines.length;
    fail(Math.max(1, last), `"${LIST_END}" is missing at the end of the list`, `add a last line "${LIST_END}" (the file may have been cut short)`);
  }
  const after = meaningful[endAt + 1];
  if (after) fail(after.line, `"${after.value}" comes after "${LIST_END}"`, `move it before line ${meaningful[endAt]!.line} or delete it`);
  const items = meaningful.slice(1, endAt);
  for (const item of items) {
    if (normalise(item.value) === LIST_START) fail(item.line, `a second "${LIST_START}"`, 'a list file holds one list');
    if (kind === 'mail' && !/^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(item.value)) {
      fail(item.line, `"${item.value}" is not a mail address`, 'one address per line, e.g. caisse01@magasin.example');
    }
  }
  if (items.length === 0) fail(meaningful[endAt]!.line, 'the list holds nothing between its first and last lines', `one ${kind === 'mail' ? 'address' : 'file'} per line between "${LIST_START}" and "${LIST_END}"`);
  return items;
}
