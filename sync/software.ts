/** The software's name and version, as printed on receipts and recorded in the journal and archives. */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const SOFTWARE = { name: pkg.name, version: pkg.version } as const;

export function softwareText(): string {
  return `${SOFTWARE.name} ${SOFTWARE.version}`;
}
