import { defineConfig } from 'vitest/config';

/** Test files that replace a module with `vi.mock`: they need a fresh module graph of their own. */
const MOCKING = ['server/accounting/posting-run.test.ts'];
const ALL = ['{cli,sync,client,server,pilots,fixtures,scripts,bench,drills}/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits 1 s by default: a page or a child process under CI load can take longer.
    expect: { poll: { timeout: 15_000 } },
    // Two cores: real servers, SQLite files and child processes contend badly beyond two workers.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts'],
    // Each worker process imports the product's modules once for all the files it runs, instead of
    // once per file. Vitest's pool reads this from the root config only; the projects below keep the
    // files that mock a module apart (a project's files get workers of their own).
    isolate: false,
    // (Projects extend this config, arrays included: so `include` is set per project only.)
    projects: [
      { extends: true, test: { name: 'shared', include: ALL, exclude: MOCKING } },
      { extends: true, test: { name: 'isolated', include: MOCKING, isolate: true } },
    ],
  },
});
