/**
 * Adapters for real recordings, tried on every record of every trace. Each adapter recognises its
 * own recording (by its markers) and leaves other traces untouched. This file does the I/O an
 * adapter may need (sidecar files beside the trace); the adapters themselves are pure.
 *
 * Recording metadata, looked up once per trace (no per-file tables):
 * 1. a guest-info sidecar in the trace's directory: `<stem>.guest-info.txt` (stem = the trace's
 *    name up to its first dot), else the only `*.guest-info.txt` there. Its `uname:` line gives
 *    the recording kernel (`uname: Linux (none) 6.1.0-56-amd64 #1 ...` -> `6.1`) and its mount
 *    table (`<dev> <dir> <type> <options> 0 0` lines) the filesystems of file mappings;
 * 2. else a release in the name of the trace's directory: `tracefs-6.18/` -> `6.18`;
 * 3. else unknown (no `kernel=`: raw hex gup_flags cannot be decoded, no fidelity check).
 * Sources that are not local files (`-`, http(s) URLs) have no sidecar and no directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createIoUringCasesAdapter, type MountEntry } from '../model/adapters/io-uring-cases.ts';
import { createPinbenchRecordingAdapter } from '../model/adapters/pinbench-recording.ts';
import type { RecordAdapter } from '../model/event-stream.ts';
import { parseKernelVersion } from '../model/kernel-version.ts';

export interface RecordingInfo {
  /** major.minor of the recording kernel, or null. */
  kernel: string | null;
  /** Where `kernel` came from, for messages. */
  from: 'guest-info' | 'directory' | null;
  mounts: MountEntry[];
}

function majorMinor(release: string): string | null {
  try {
    const v = parseKernelVersion(release);
    return `${v.major}.${v.minor}`;
  } catch {
    return null;
  }
}

/** The `uname:` release and the mount lines of a guest-info sidecar. */
export function parseGuestInfo(text: string): { kernel: string | null; mounts: MountEntry[] } {
  let kernel: string | null = null;
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const uname = /^uname:\s*\S+\s+\S+\s+(\S+)/.exec(line);
    if (uname) kernel = majorMinor(uname[1]!);
    const m = /^\S+ (\/\S*) (\S+) (\S+) \d+ \d+\s*$/.exec(line);
    if (m) mounts.push({ mountPoint: m[1]!, fsType: m[2]!, options: m[3]!.split(',') });
  }
  return { kernel, mounts };
}

function guestInfoFile(source: string): string | null {
  const dir = dirname(source);
  const stem = basename(source).split('.')[0]!;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.guest-info.txt'));
  } catch {
    return null;
  }
  const own = `${stem}.guest-info.txt`;
  if (names.includes(own)) return join(dir, own);
  return names.length === 1 ? join(dir, names[0]!) : null;
}

/** What is known about the kernel and machine that recorded `source`. */
export function recordingInfo(source: string): RecordingInfo {
  if (source === '-' || /^https?:\/\//.test(source)) return { kernel: null, from: null, mounts: [] };
  let mounts: MountEntry[] = [];
  const sidecar = guestInfoFile(source);
  if (sidecar) {
    try {
      const info = parseGuestInfo(readFileSync(sidecar, 'utf8'));
      if (info.kernel) return { kernel: info.kernel, from: 'guest-info', mounts: info.mounts };
      mounts = info.mounts;
    } catch {
      // an unreadable sidecar is no sidecar
    }
  }
  const m = /(?:^|[^0-9.])v?(\d+\.\d+)(?:$|[^0-9])/.exec(basename(dirname(source)));
  const kernel = m ? majorMinor(m[1]!) : null;
  return { kernel, from: kernel ? 'directory' : null, mounts };
}

export function defaultAdapters(source: string): RecordAdapter[] {
  const info = recordingInfo(source);
  return [
    createPinbenchRecordingAdapter(),
    createIoUringCasesAdapter({ recordingKernel: info.kernel, mounts: info.mounts }),
  ];
}
