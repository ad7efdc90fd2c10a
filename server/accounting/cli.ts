import type { Command } from 'commander';

/** `tillsync server` verbs of server/accounting/: config, post, letter, open-items. */
export function registerAccountingCommands(_server: Command): void {}
