import type { Command } from 'commander';

/** `tillsync till apply-base FILE` (base-file bundles; see server/base-files/). */
export function registerApplyBaseCommand(_till: Command): void {}
