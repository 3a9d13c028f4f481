/** Terminal text of a tie exploration: herd7-style Always / Sometimes (k of n) / Never lines. */
import type { ScenarioTies, TieCount } from './explore-ties.ts';

/** Scenario names come from the trace: control characters are shown, never sent. */
function plain(s: string): string {
  return s.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function countText(c: TieCount, n: number): string {
  return c.label === 'Sometimes' ? `Sometimes (${c.count} of ${n})` : c.label;
}

export function formatTies(trace: string, results: readonly ScenarioTies[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const head = `${plain(trace)} scenario ${plain(r.scenario)}`;
    if (r.groups.length === 0) {
      lines.push(`${head}: no events share a timestamp across CPUs (1 order)`);
      continue;
    }
    const groups = r.groups.map((g) => `lines ${g.lines.join(',')} on CPUs ${g.cpus.join(',')}`).join('; ');
    const orders = r.sampled ? `${r.orders} sampled of ${r.total} orders` : `${r.orders} orders`;
    lines.push(`${head}: ${r.groups.length} tie group(s) (${groups}), ${orders}`);
    // Policies with the same result share a line.
    const byText = new Map<string, string[]>();
    for (const [policy, per] of Object.entries(r.verdicts)) {
      const text = Object.entries(per)
        .map(([v, c]) => `${v} ${countText(c!, r.orders)}`)
        .join(', ');
      byText.set(text, [...(byText.get(text) ?? []), policy]);
    }
    for (const [text, policies] of byText) lines.push(`  ${policies.join(' ')}: ${text}`);
    for (const d of r.divergences)
      lines.push(`  divergence at line ${d.line} ${d.event}: ${countText(d, r.orders)}`);
    lines.push(
      r.orderDependent
        ? '  order-dependent: the result depends on the order of tied events'
        : '  the same in every order',
    );
  }
  return `${lines.join('\n')}\n`;
}
