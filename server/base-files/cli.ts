import type { Command } from 'commander';

/** `tillsync server` verbs of server/base-files/: publish-base. */
export function registerBaseFileCommands(_server: Command): void {}
