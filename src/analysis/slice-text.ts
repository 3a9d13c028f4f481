/**
 * A scenario written back as trace text: the given lines (events, observed returns) with the
 * config lines in force before the scenario, its own `pinbench_scenario` line, and what the
 * layout needs to be read again (the tracefs header, trace-cmd's cpus= line). Minimisation
 * writes its slices this way, and runs store each diverging scenario's slice this way for
 * `pinbench repro`.
 */
import type { Scenario } from '../model/event-stream.ts';

export interface SliceParts {
  scenario: Pick<Scenario, 'line' | 'config'>;
  /** Config lines before the scenario. */
  configLines: { line: number; text: string }[];
  scenarioLine?: string;
}

export function sliceText(
  layout: string,
  read: SliceParts,
  lines: { line: number; text: string }[],
  note: string[],
): string {
  const out: string[] = [];
  if (layout === 'tracefs') {
    out.push('# tracer: nop', '#', ...note.map((n) => `# ${n}`), '#');
    out.push(
      '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
      '#              | |         |   |||||     |         |',
    );
  }
  const all = [...read.configLines, ...lines];
  // A kernel known from outside the text (a guest-info sidecar, the directory's name) goes into
  // the slice, in the form of its first line, so the slice decodes the same anywhere.
  const kernel = read.scenario.config.kernel;
  const prefix = /^(.*?\d+\.\d+: )/.exec(all[0]?.text ?? '')?.[1];
  if (kernel && prefix && !read.configLines.some((c) => /\bkernel=/.test(c.text)))
    all.push({ line: 0, text: `${prefix}pinbench_config: kernel=${kernel}` });
  if (layout === 'trace-cmd-report') {
    const cpus = Math.max(0, ...all.map((l) => Number(/\[(\d+)\]/.exec(l.text)?.[1] ?? 0))) + 1;
    out.push(`cpus=${cpus}`);
  }
  if (read.scenarioLine !== undefined) all.push({ line: read.scenario.line, text: read.scenarioLine });
  const seen = new Set<number>();
  for (const l of all.sort((a, b) => a.line - b.line)) {
    if (seen.has(l.line)) continue; // an adapter may make several events of one line
    seen.add(l.line);
    out.push(l.text);
  }
  return `${out.join('\n')}\n`;
}
