/** `pinbench coverage [trace...]`: which functions and branches of the policies the corpus reaches. */
import { join, resolve } from 'node:path';
import { coverageJson, measureCoverage } from '../../analysis/coverage.ts';
import { writeCoverageHtml } from '../../analysis/coverage-html.ts';
import { formatCoverage } from '../../analysis/coverage-text.ts';
import { UsageError } from '../../errors.ts';
import { bool, type Command, int, str, strs } from '../command.ts';
import { corpusSources } from './replay.ts';

export const coverageCommand: Command = {
  name: 'coverage',
  summary: 'Which functions and branches of each policy family the traces reach, per release',
  positionals: '[trace...]',
  details:
    'Replays the traces (default: the shipped corpus under traces/, real recordings included) once per\n' +
    "policy under V8's block coverage and maps the counts onto the policy sources. A release is measured\n" +
    'over the files of its own module graph; kernel functions of older versions that its table replaced\n' +
    'are left out. Counts are exact and the same on every run.',
  options: {
    policy: {
      type: 'string',
      short: 'p',
      multiple: true,
      arg: 'ID|PATH',
      description: 'Measure these policies (default: every release)',
    },
    family: { type: 'string', arg: 'NAME', description: 'Text output: only this family (or shared module)' },
    json: { type: 'boolean', description: 'The whole report as one JSON object' },
    html: { type: 'string', arg: 'DIR', description: 'Write an index and one page per family into DIR' },
    'no-adapters': { type: 'boolean', description: 'Read real recordings without their adapters' },
    jobs: { type: 'string', short: 'j', arg: 'N', description: 'Worker threads', default: '2' },
  },
  async run(values, positionals, io) {
    const jobs = int(values, 'jobs') ?? 2;
    if (jobs < 1) throw new UsageError('--jobs must be at least 1');
    const sources = await corpusSources(positionals, io);
    const report = await measureCoverage({
      sources,
      policySpecs: strs(values, 'policy'),
      adapters: !bool(values, 'no-adapters'),
      cwd: io.cwd,
      jobs,
    });
    const family = str(values, 'family');
    if (family !== undefined && !report.groups.some((g) => g.group === family))
      throw new UsageError(
        `--family ${family}: no such family or module (${report.groups.map((g) => g.group).join(', ')})`,
      );
    if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(coverageJson(report), null, 2)}\n`);
    else io.stdout.write(formatCoverage(report, family === undefined ? {} : { group: family }));
    const dir = str(values, 'html');
    if (dir !== undefined) {
      const abs = resolve(io.cwd, dir);
      const pages = await writeCoverageHtml(report, abs);
      if (!bool(values, 'json')) io.stdout.write(`html: ${join(abs, 'index.html')} (${pages} pages)\n`);
    }
    return 0;
  },
};
