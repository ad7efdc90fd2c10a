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
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts'],
  },
});
