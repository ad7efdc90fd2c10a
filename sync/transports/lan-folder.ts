/**
 * LAN drop folder (a share the server's inbox watcher reads): the file appears under its final
 * name only once complete, never overwrites another file, and a resend of the same bytes is a no-op.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { publishFile } from '../atomic-file.ts';
import { TillsyncError } from '../errors.ts';
import type { PackageTransport, SendResult } from './transport.ts';

export class LanFolderTransport implements PackageTransport {
  readonly channel = 'lan' as const;

  constructor(readonly dir: string) {}

  async send(filePath: string): Promise<SendResult> {
    const bytes = await readSource(filePath);
    // The folder is not created: a share that is not mounted must fail loudly, not fill the local disk.
    const placed = await publishFile(this.dir, basename(filePath), bytes, 'send again');
    return { channel: 'lan', target: placed.path, detail: { fileName: placed.fileName, bytes: bytes.length, alreadyThere: placed.existing } };
  }
}

/** Reads the file to send, with a one-line error naming it. */
export async function readSource(filePath: string): Promise<Buffer> {
  try {
    return await readFile(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new TillsyncError('no-file', `cannot read ${filePath}: ${why}`, { hint: 'check the file name (tillsync till extract prints it)', ref: { file: basename(filePath) }, cause: e });
  }
}
