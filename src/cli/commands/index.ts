/** The command registry: one line per command module, in the order `--help` lists them. */
import type { Command } from '../command.ts';
import { policiesCommand } from './policies.ts';

export const COMMANDS: readonly Command[] = [policiesCommand];
