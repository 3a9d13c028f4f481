/**
 * The fidelity page: one row per case, one column per recording, each cell agreed / known /
 * new disagreement / cannot run; recording text is escaped; the writer never replaces files it
 * did not write.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FidelityPageInput, fidelityPageHtml, writeFidelityPage } from './fidelity-page.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinbench-fidelity-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trace = (series: string, boot: string) => ({
  trace: `traces/real/debian-${series}/${boot}.trace.gz`,
  kernel: `${series}.0-1-amd64`,
  series,
  release: `v${series}`,
  boot,
  packages: `linux-image-${series} 1`,
});
const call = { seq: 0, event: 'vfio_map_dma', observed: 0, model: 0, agree: true };
const input: FidelityPageInput = {
  traces: [trace('6.12', 'plain'), trace('5.10', 'plain')],
  cells: [
    { ...call, series: '6.12', boot: 'plain', scenario: 'vfio_ro.anon' },
    {
      ...call,
      series: '5.10',
      boot: 'plain',
      scenario: 'vfio_ro.anon',
      agree: false,
      effects: [{ what: 'refcount', kernel: 1025, model: 1024 }],
    },
    {
      ...call,
      series: '6.12',
      boot: 'plain',
      scenario: 'io_uring.<b>x</b>',
      observed: -14,
      model: 0,
      agree: false,
    },
  ],
  skipped: [{ series: '5.10', boot: 'plain', scenario: 'populate_read.anon', reason: 'needs 5.14 <now>' }],
  unexpected: [
    { series: '6.12', boot: 'plain', scenario: 'io_uring.<b>x</b>', seq: 0, event: 'vfio_map_dma' },
  ],
  known: [
    {
      series: '5.10',
      boot: 'plain',
      scenario: 'vfio_ro.anon',
      seq: 0,
      event: 'vfio_map_dma',
      observed: 0,
      model: 0,
      release: 'v5.10',
      why: 'LRU batch reference',
      source: ['mm/swap.c:359: get_page(page);'],
    },
  ],
  stale: [],
};

describe('fidelity page', () => {
  const page = fidelityPageHtml(input);

  it('has one column per recording, series in order, and a state per cell', () => {
    expect(page.indexOf('5.10<br>plain')).toBeLessThan(page.indexOf('6.12<br>plain'));
    const row = (name: string) => page.slice(page.indexOf(`<th scope="row">${name}`)).split('</tr>')[0]!;
    expect(row('vfio_ro.anon')).toMatch(/v-known[^>]*>known<\/td>.*v-pass[^>]*>agrees<\/td>/s);
    expect(row('io_uring.&lt;b&gt;x&lt;/b&gt;')).toContain('v-unexpected');
    expect(row('populate_read.anon')).toContain('cannot run');
    expect(page).toContain('refcount 1025/1024');
    expect(page).toContain('mm/swap.c:359: get_page(page);');
  });

  it('escapes recording text', () => {
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('needs 5.14 &lt;now&gt;');
  });

  it('writes the page with the report assets, and refuses a directory holding other files', async () => {
    const out = join(dir, 'fid');
    const file = await writeFidelityPage(out, input);
    expect(readFileSync(file, 'utf8')).toContain('Fidelity: real kernels');
    expect(readFileSync(join(out, 'assets', 'report.css'), 'utf8').length).toBeGreaterThan(0);
    await writeFidelityPage(out, input); // its own output is replaced
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(writeFidelityPage(out, input)).rejects.toThrow(/notes\.txt/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
