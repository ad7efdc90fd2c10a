import type { Command } from 'commander';

/** `tillsync server` verbs of server/integration/: integrate, undo. */
export function registerIntegrationCommands(_server: Command): void {}
