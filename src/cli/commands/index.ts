/** The command registry: one line per command module, in the order `--help` lists them. */
import type { Command } from '../command.ts';
import { acceptCommand } from './accept.ts';
import { bisectCommand } from './bisect.ts';
import { checkCommand } from './check.ts';
import { diffCommand } from './diff.ts';
import { exportCommand } from './export.ts';
import { fidelityCommand } from './fidelity.ts';
import { ingestCommand } from './ingest.ts';
import { minimizeCommand } from './minimize.ts';
import { nightlyCommand } from './nightly.ts';
import { policiesCommand } from './policies.ts';
import { recordCommand } from './record.ts';
import { replayCommand } from './replay.ts';
import { reportCommand } from './report.ts';
import { reproCommand } from './repro.ts';
import { runCommand } from './run.ts';
import { runsCommand } from './runs.ts';
import { serveCommand } from './serve.ts';
import { synthCommand } from './synth.ts';
import { verifyCommand } from './verify.ts';

export const COMMANDS: readonly Command[] = [
  runCommand,
  nightlyCommand,
  replayCommand,
  checkCommand,
  ingestCommand,
  policiesCommand,
  runsCommand,
  diffCommand,
  acceptCommand,
  exportCommand,
  reportCommand,
  verifyCommand,
  serveCommand,
  synthCommand,
  bisectCommand,
  minimizeCommand,
  reproCommand,
  recordCommand,
  fidelityCommand,
];
