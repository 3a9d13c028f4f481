/**
 * A bad value in a real recording that an adapter reads (here the io_uring case markers of
 * traces/real/tracefs-6.18) is bad input like a bad vocabulary field: `replay` names the marker's
 * file, line, column and the field, and exits 2, with or without --strict.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pinbench-adapter-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function replay(...args: string[]) {
  const c = captureIo();
  const code = await main(['replay', '-j', '0', '--policy', 'v6.18', ...args], c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('errors in adapted records', () => {
  it('a 1 GiB hugetlb case declares more pages than one line may: file:line:col, the field, exit 2', async () => {
    const lines = readFileSync('traces/real/tracefs-6.18/a_default_io_uring_mmap_kmem.trace', 'utf8').split(
      '\n',
    );
    const header = lines.filter((l) => l.startsWith('#'));
    const begin = lines
      .find((l) => l.includes('case=zero_ro begin'))!
      .replace(
        /case=zero_ro begin mapping="[^"]*"/,
        'case=huge begin mapping="MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB 1GiB, written"',
      );
    const page = lines
      .find((l) => l.includes('case=zero_ro step=before_register'))!
      .replace('case=zero_ro', 'case=huge')
      .replace(/pfn=\S+/, 'pfn=0x140000')
      .replace(/kpagecount=\d+ kpageflags=\S+/, 'kpagecount=1 kpageflags=0x28000(compound_head|huge)');
    // The directory names the recording kernel, as traces/real/tracefs-6.18 does.
    const dir = join(tmp, 'tracefs-6.18');
    mkdirSync(dir);
    const file = join(dir, 'huge.trace');
    writeFileSync(file, `${[...header, begin, page].join('\n')}\n`);
    const where = `${file}:${header.length + 2}:${page.indexOf(' pfn=') + 2}`;
    const message = `${where}: pinbench_page: nr: 262144 is more than the 16384 pages one line may hold (src/model/limits.ts) [PB_EVENT_FIELD]`;
    const r = await replay(file);
    expect(r.code).toBe(2);
    expect(r.out).toContain(message);
    const strict = await replay(file, '--strict');
    expect(strict.code).toBe(2);
    expect(strict.err).toContain(message);
  });
});
