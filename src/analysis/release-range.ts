/**
 * `--from A --to B`: the releases from A to B inclusive, in release order. Either end may be any
 * kernel version (`v5.17`, `6.1`): the range takes the known releases whose version lies between.
 */
import { releases } from '../../policies/index.ts';
import { releaseKey } from '../../policies/releases.ts';
import { UsageError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';

function key(option: string, id: string): number {
  try {
    return releaseKey(id.startsWith('v') ? id : `v${id}`);
  } catch {
    throw new UsageError(`--${option} takes a kernel release such as v5.19 or v6.0-rc1, got '${id}'`);
  }
}

export function releaseRange(from: string | undefined, to: string | undefined): Policy[] {
  const lo = from === undefined ? Number.NEGATIVE_INFINITY : key('from', from);
  const hi = to === undefined ? Number.POSITIVE_INFINITY : key('to', to);
  if (lo > hi) throw new UsageError(`--from ${from} comes after --to ${to}`);
  const out = releases().filter((p) => {
    const k = releaseKey(p.id);
    return k >= lo && k <= hi;
  });
  if (out.length < 2)
    throw new UsageError(
      `--from ${from ?? 'the first release'} --to ${to ?? 'the last release'} holds ${out.length} release(s); bisect needs two`,
    );
  return out;
}
