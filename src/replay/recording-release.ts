/**
 * The release model a real recording is checked against, one rule for every reader (replay's
 * fidelity records, `pinbench fidelity`, `run`'s fidelity section and report page): the stable id
 * `vX.Y.Z` of the kernel package's upstream version when pinbench has that release (package
 * 5.10.262-1 -> `v5.10.262`: a stable backport that explains a difference from mainline lives
 * there); else `v<major>.<minor>` of the recording's `kernel=` when pinbench has that mainline
 * release; else the newest mainline release before it (a distribution's stable kernel is closest
 * to the mainline release it is based on).
 */
import { allPolicies, MAINLINE_IDS } from '../../policies/index.ts';
import type { RecordingPackage } from '../model/event-stream.ts';
import { parseKernelVersion, versionKey } from '../model/kernel-version.ts';

/** The mainline model for a recording kernel: its own `vX.Y`, else the newest mainline release before it. */
export function releaseForKernel(kernel: string): string {
  const v = parseKernelVersion(kernel);
  const own = `v${v.major}.${v.minor}`;
  if (MAINLINE_IDS.includes(own)) return own;
  const key = versionKey({ ...v, rc: 0 });
  let best = MAINLINE_IDS[0]!;
  for (const id of MAINLINE_IDS) if (versionKey(parseKernelVersion(id)) <= key) best = id;
  return best;
}

/** Every policy id: the registry is fixed once loaded, and this is asked once per scenario of a recording. */
let policyIds: Set<string> | undefined;

/**
 * The release model for a recording: the stable id `vX.Y.Z` of a kernel package's upstream
 * version (`5.10.262-1` -> `v5.10.262`) of the kernel's own series when pinbench has it, else
 * releaseForKernel(kernel).
 */
export function releaseForRecording(kernel: string, packageVersions: readonly string[]): string {
  const v = parseKernelVersion(kernel);
  policyIds ??= new Set(allPolicies().map((p) => p.id));
  const ids = policyIds;
  for (const pv of packageVersions) {
    const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+~]|$)/.exec(pv);
    if (!m || Number(m[1]) !== v.major || Number(m[2]) !== v.minor) continue;
    const stable = `v${m[1]}.${m[2]}.${m[3]}`;
    if (ids.has(stable)) return stable;
  }
  return releaseForKernel(kernel);
}

/** The versions of the kernel image packages among a recording's (`linux-image-*`, sid's `linux-binary-*`). */
export function kernelPackageVersions(packages: readonly RecordingPackage[]): string[] {
  return packages.filter((p) => /^linux-(image|binary)-/.test(p.pkg)).map((p) => p.version);
}

/** The release model for a recording kernel, or null when `kernel` is not a release. */
export function recordingReleaseOf(
  kernel: string | null | undefined,
  packages: readonly RecordingPackage[] = [],
): string | null {
  if (!kernel) return null;
  try {
    return releaseForRecording(kernel, kernelPackageVersions(packages));
  } catch {
    return null;
  }
}
