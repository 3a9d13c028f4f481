/**
 * The verdict matrix a trace states in its header, litmus-test style:
 *
 *   # Result vfio-zero-ro:
 *   #   v5.4:        fail   -- vfio takes +1 on the zero page per map (pinning.md §2.2)
 *
 * A `# Result:` block without a name belongs to the trace's only scenario.
 */
import { VERDICTS, type Verdict } from './results.ts';

export interface ExpectedVerdict {
  /** Empty for an unnamed block. */
  scenario: string;
  policy: string;
  verdict: Verdict;
  /** 1-based line of the cell. */
  line: number;
}

/** `# Result <scenario>:` blocks of `#   <policy>: <verdict>   -- why` lines. */
export function readResultBlocks(text: string): ExpectedVerdict[] {
  const out: ExpectedVerdict[] = [];
  let scenario: string | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith('#')) break;
    const head = /^# Result(?: ([^:]+))?:\s*$/.exec(l);
    if (head) {
      scenario = head[1] ?? '';
      continue;
    }
    const cell = /^#\s+([A-Za-z0-9.+_-]+):\s+(\w+)\b/.exec(l);
    if (scenario !== null && cell) {
      const verdict = cell[2] as Verdict;
      if (!VERDICTS.includes(verdict)) throw new Error(`line ${i + 1}: unknown verdict '${cell[2]}'`);
      out.push({ scenario, policy: cell[1]!, verdict, line: i + 1 });
    } else if (!/^#\s*$/.test(l) && !/^#\s{3,}/.test(l)) {
      scenario = null; // prose after a block ends it; indented lines continue a cell
    }
  }
  return out;
}

/**
 * What the header expects of one scenario and policy: the scenario's own block (an unnamed block
 * stands for every scenario without one), the policy's own row, else its base release's row (a
 * user's candidate has none of its own). Undefined where the header says nothing.
 */
export function expectedVerdict(
  blocks: readonly ExpectedVerdict[],
  scenario: string,
  policy: { id: string; scopeRelease: string },
): Verdict | undefined {
  const named = blocks.filter((b) => b.scenario === scenario);
  const rows = named.length > 0 ? named : blocks.filter((b) => b.scenario === '');
  return (rows.find((r) => r.policy === policy.id) ?? rows.find((r) => r.policy === policy.scopeRelease))
    ?.verdict;
}
