#!/usr/bin/env node
// The CLI is TypeScript. `npm ci` (prepare), `npm start` and `npm test` bundle it into dist/ so it
// starts without tsx; when dist/ is missing or older than any source it was built from, the
// sources run through tsx as before (slower to start, never stale). See bin/dist-build.mjs.
import { freshBuild } from './dist-build.mjs';

const built = freshBuild();
let main;
if (built.url) {
  // TILLSYNC_DEBUG stack traces name the .ts sources (through the build's .map files), not dist/ chunks.
  if (process.env.TILLSYNC_DEBUG) process.setSourceMapsEnabled(true);
  ({ main } = await import(built.url));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
await main(process.argv);
