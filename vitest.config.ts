import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that need a process of their own: the end-to-end suites (real servers, tills, browsers and
 * child processes; some set process-wide state), the one unit file that replaces a module with
 * vi.mock (a shared module graph would hand the mock to the files after it), and the files that
 * open a till store: @deno/kv keeps values through node:v8's Deserializer, whose handles Node 20
 * frees wrongly when a worker thread collects them ("Check failed: node->IsInUse()", a crash of
 * the whole run), so the till's store only ever runs on a process's main thread, as in the product.
 */
const ISOLATED = [
  'test/e2e/**/*.test.ts',
  'server/accounting/posting-run.test.ts',
  'client/**/*.test.ts',
  'bench/bench-till.test.ts',
  'server/fiscal/closure-intake.test.ts',
];

/** What both projects run with (projects do not inherit these from the root unless they extend it, which would also merge the include lists). */
const common = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  // expect.poll waits 1 s by default: a page or a child process under CI load can take longer.
  expect: { poll: { timeout: 15_000 } },
};

export default defineConfig({
  test: {
    // Two cores: real servers, SQLite files and child processes contend badly beyond two workers.
    maxWorkers: 2,
    // The unit files share their workers and their module graph (threads, not isolated): a fresh
    // process and a fresh import of the product for each of ~120 files was a third of their time.
    // So a unit test must not change module state it does not own (fixtures/store.ts hands out
    // copies for that). The pools' own options are read from here, not from the projects.
    poolOptions: { threads: { isolate: false } },
    reporters: ['default'],
    // Once for the run (a project that named it too would start a second PostgreSQL).
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        test: {
          ...common,
          name: 'unit',
          include: ['{cli,sync,client,server,pilots,fixtures,scripts,bench,drills}/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ISOLATED],
          pool: 'threads',
          isolate: false,
          // Groups run one after the other, so that never more than two workers run at once.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: { ...common, name: 'isolated', include: ISOLATED, pool: 'forks', isolate: true, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
