/**
 * What `pinbench record --kernel` names: a Debian suite (that suite's current kernel, security
 * updates included), a kernel series (`debian:7.2`: the newest package of that series in any
 * suite), or a bzImage on disk.
 */
import { UsageError } from '../errors.ts';

export const DEBIAN_SUITES = ['bullseye', 'bookworm', 'trixie', 'sid'] as const;
export type DebianSuite = (typeof DEBIAN_SUITES)[number];

export type KernelSpec =
  | { kind: 'suite'; suite: DebianSuite }
  | { kind: 'series'; series: string }
  | { kind: 'path'; path: string };

export function parseKernelSpec(text: string): KernelSpec {
  if (text.startsWith('debian:')) {
    const rest = text.slice('debian:'.length);
    if ((DEBIAN_SUITES as readonly string[]).includes(rest))
      return { kind: 'suite', suite: rest as DebianSuite };
    if (/^\d+\.\d+(\.\d+)?$/.test(rest)) return { kind: 'series', series: rest };
    throw new UsageError(
      `--kernel ${text}: expected debian:<${DEBIAN_SUITES.join('|')}> or debian:<major.minor>, e.g. debian:7.2`,
    );
  }
  if (text === '') throw new UsageError('--kernel needs a value');
  return { kind: 'path', path: text };
}

export function formatKernelSpec(spec: KernelSpec): string {
  return spec.kind === 'suite'
    ? `debian:${spec.suite}`
    : spec.kind === 'series'
      ? `debian:${spec.series}`
      : spec.path;
}
