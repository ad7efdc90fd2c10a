import type { Command } from 'commander';

/** `tillsync server` verbs of server/intake/: init, enroll-till, start, intake, status. */
export function registerIntakeCommands(_server: Command): void {}
