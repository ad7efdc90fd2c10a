// Entry of the ticket-check worker thread: plain JavaScript so that any Node thread can load it,
// then TypeScript through tsx exactly as bin/tillsync.mjs does (hooks are not inherited by workers).
import { register } from 'tsx/esm/api';

register();
await import('./check-worker-main.ts');
