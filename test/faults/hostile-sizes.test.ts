/**
 * Declared sizes are bounded (src/model/limits.ts): a trace asking for a million pages, 2^32
 * pages, a 16 TiB vfio map or an order-64 folio gets a `file:line:col` [PB_EVENT_FIELD] error
 * for its scenario, at once and in little memory, instead of minutes of work, an out-of-memory
 * abort or "Map maximum size exceeded" with no line number.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import {
  MAX_BYTES_PER_LINE,
  MAX_DECLARED_PAGES_PER_SCENARIO,
  MAX_PAGES_PER_LINE,
} from '../../src/model/limits.ts';
import { captureIo } from '../support/cli-io.ts';

const DIR = mkdtempSync(join(tmpdir(), 'pinbench-hostile-sizes-'));

/** A shipped trace with `from` replaced by `to` (once), and the 1-based line and column of `to`. */
function mutate(trace: string, from: string, to: string) {
  const text = readFileSync(trace, 'utf8');
  const at = text.indexOf(from);
  expect(at).toBeGreaterThan(0);
  const file = join(DIR, `${Math.random().toString(36).slice(2)}.trace`);
  writeFileSync(file, text.slice(0, at) + to + text.slice(at + from.length));
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - before.lastIndexOf('\n');
  return { file, line, col };
}

async function replay(file: string) {
  const c = captureIo();
  const code = await main(['replay', '--json', '-j', '0', '--policy', 'v6.1', file], c.io);
  const verdicts = c
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'verdict');
  return { code, verdicts };
}

const VFIO = 'traces/01-vfio-zero-ro.trace';
const GUP = 'traces/02-zero-movable.trace';

describe('declared sizes are bounded', { timeout: 30_000 }, () => {
  const cases: [string, string, string, string, string][] = [
    [
      'pinbench_page nr=1000000',
      VFIO,
      'kind=zero refcount=1',
      'nr=1000000 kind=zero refcount=1',
      'nr: 1000000 is more than the 16384 pages',
    ],
    [
      'pinbench_page nr=4294967296',
      VFIO,
      'kind=zero refcount=1',
      'nr=4294967296 kind=zero refcount=1',
      'nr: 4294967296 is more than',
    ],
    ['pinbench_page nr=0', VFIO, 'kind=zero refcount=1', 'nr=0 kind=zero refcount=1', 'nr: 0 is less than 1'],
    [
      'pinbench_page order=64',
      VFIO,
      'kind=zero refcount=1',
      'order=64 kind=zero refcount=1',
      'order: 64 is more than the 18',
    ],
    [
      'pin_user_pages nr_pages=2^40',
      GUP,
      'nr_pages=4',
      'nr_pages=1099511627776',
      'nr_pages: 1099511627776 is more than the 16384 pages',
    ],
    [
      'vfio_map_dma size=16 TiB',
      VFIO,
      'size=0x4000 flags=READ',
      'size=0x100000000000 flags=READ',
      `size: 0x100000000000 is more than the ${MAX_BYTES_PER_LINE} bytes`,
    ],
  ];
  for (const [label, trace, from, to, message] of cases) {
    it(`${label}: the scenario is error at file:line:col [PB_EVENT_FIELD], exit 2`, async () => {
      const m = mutate(trace, from, to);
      const r = await replay(m.file);
      expect(r.code).toBe(2);
      const errored = r.verdicts.filter((v) => v.verdict === 'error');
      expect(errored.length).toBeGreaterThan(0);
      const reason = errored[0].reason as string;
      expect(reason).toContain(message);
      expect(reason).toContain('[PB_EVENT_FIELD]');
      const field = to.split(' ')[0]!.split('=')[0]!;
      expect(reason).toContain(`${m.file}:${m.line}:${m.col + to.indexOf(`${field}=`) + field.length + 1}:`);
    });
  }

  it('the limits hold what real recordings need, and many lines cannot add up past a scenario budget', async () => {
    expect(MAX_PAGES_PER_LINE).toBeGreaterThanOrEqual(512);
    const ok = mutate(VFIO, 'kind=zero refcount=1', `nr=${MAX_PAGES_PER_LINE} kind=zero refcount=1`);
    expect((await replay(ok.file)).verdicts.every((v) => v.verdict !== 'error')).toBe(true);
    // Many lines each within the limit still cannot add up past the scenario's budget.
    const text = readFileSync(GUP, 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes(': pinbench_page: '));
    const decl = lines[at]!;
    const many = Array.from({ length: 5 }, (_, i) =>
      decl
        .replace(/pfn=\S+/, `pfn=0x${(0x200000 + i * MAX_PAGES_PER_LINE).toString(16)}`)
        .replace(': pinbench_page: ', `: pinbench_page: nr=${MAX_PAGES_PER_LINE} `),
    );
    const file = join(DIR, 'many.trace');
    writeFileSync(file, [...lines.slice(0, at), ...many, ...lines.slice(at)].join('\n'));
    const r5 = await replay(file);
    expect(r5.code).toBe(2);
    expect(r5.verdicts.some((v) => String(v.reason).includes(`${file}:${at + 5}:`))).toBe(true);
    expect(
      r5.verdicts.some((v) =>
        String(v.reason).includes(`declares more than ${MAX_DECLARED_PAGES_PER_SCENARIO} pages`),
      ),
    ).toBe(true);
  });
});
