/**
 * A package-line worker thread (see package-pages.ts): pages of ticket lines in, verdicts out
 * (line-verdicts.ts).
 */
import { parentPort } from 'node:worker_threads';
import { judgeLines, type LineJudgeContext, type LinePackageMessage, type LinePageRequest } from './line-verdicts.ts';

let ctx: LineJudgeContext | null = null;

parentPort!.on('message', (m: LinePackageMessage | LinePageRequest | { type: 'stop' }) => {
  try {
    if (m.type === 'stop') {
      parentPort!.close();
      return;
    }
    if (m.type === 'package') {
      const p = m;
      // Structured cloning hands a Buffer over as a plain Uint8Array: view it as a Buffer again.
      const hashes = p.hashes ? Buffer.from(p.hashes.buffer, p.hashes.byteOffset, p.hashes.byteLength) : undefined;
      ctx = { fileName: p.fileName, manifest: p.manifest, hashes, tillId: p.tillId };
      return;
    }
    if (m.type === 'page') {
      if (!ctx) throw new Error('page before package');
      parentPort!.postMessage(judgeLines(ctx, m));
    }
  } catch (e) {
    parentPort!.postMessage({ type: 'error', error: (e as Error)?.stack ?? String(e) });
  }
});
parentPort!.postMessage({ type: 'ready' });
