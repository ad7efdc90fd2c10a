/** The till's daily log: DATA/log/YYYY-MM-DD.log, one line per event an operator may need to read. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localDay, localIso } from './sale.ts';

export type Severity = 'info' | 'warning' | 'error';

export function logTillEvent(dataDir: string, severity: Severity, message: string, at = new Date()): void {
  try {
    const dir = join(dataDir, 'log');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, `${localDay(at)}.log`), `${localIso(at)} ${severity.toUpperCase()} ${message.replace(/\n/g, ' ')}\n`);
  } catch {
    // The log must never stop a sale (full disk is reported by the write that matters).
  }
}
