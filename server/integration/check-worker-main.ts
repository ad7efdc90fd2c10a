/** The ticket-check worker's loop: tasks in, verdicts out, in order (see check-pool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import type { IntegrationRefs } from './ticket-checks.ts';
import { ticketVerdict, type CheckTask } from './ticket-verdict.ts';

const refs = workerData.refs as IntegrationRefs;

parentPort!.on('message', (m: { seq: number; tasks: CheckTask[] }) => {
  try {
    parentPort!.postMessage({ seq: m.seq, verdicts: m.tasks.map((t) => ticketVerdict(t.row, t.link, refs)) });
  } catch (e) {
    parentPort!.postMessage({ seq: m.seq, error: (e as Error)?.stack ?? String(e) });
  }
});
parentPort!.postMessage({ ready: true });
