/**
 * The zod every schema of the product is written with: `zod/mini` with zod's English messages.
 * `import * as z from '…/sync/zod-mini.ts'`, then `z.string().check(z.minLength(1))`,
 * `z.optional(…)`: the same checks, core and messages as classic zod, without its chainable
 * methods. Classic zod (`import { z } from 'zod'`) keeps every method and all 46 locales alive in
 * the bundle (~500 KB that every command compiled: ~50 ms of a light command's start-up); a
 * product file must not import it (docs/start-up.md).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini carries no messages of its own ("Invalid input" for everything) until a locale is installed.
config(en());

export * from 'zod/mini';
