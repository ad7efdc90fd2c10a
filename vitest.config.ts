import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{cli,sync,client,server,pilots,fixtures,scripts,bench,drills}/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits 1 s by default: a page or a child process under CI load can take longer.
    expect: { poll: { timeout: 15_000 } },
    // Two cores: real servers, SQLite files and child processes contend badly beyond two workers.
    pool: 'forks',
    maxWorkers: 2,
    // Each worker process imports the product's modules once for all the files it runs, not once per
    // file (collect time 115 s → 20 s). A file must then leave no module state, server, timer or
    // child behind, and must not replace modules (`vi.mock`): `test/support/leftovers.ts` fails a
    // file that leaves a server, socket or child process running.
    isolate: false,
    // As many workers kept as allowed: tinypool retires an idle worker above the minimum, and in a
    // non-isolated pool the worker it retires can take a queued file during its teardown and be
    // killed with it ("Terminating worker thread": the file never runs).
    minWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/leftovers.ts'],
  },
});
