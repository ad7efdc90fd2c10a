// Entry of a package-line worker thread (see package-pages.ts): plain JavaScript so that any Node
// thread can load it, then TypeScript through tsx exactly as bin/tillsync.mjs does (hooks are not
// inherited by workers).
import { register } from 'tsx/esm/api';

register();
await import('./line-worker-main.ts');
