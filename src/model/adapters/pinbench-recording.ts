/**
 * Adapter for pinbench's own recordings (`pinbench record`, workload/pinbench-workload.c). The
 * workload writes the vocabulary itself (`pinbench_config`, `pinbench_scenario`, ... markers,
 * which the event stream reads as it reads any trace), and before them one marker naming what was
 * booted, written by src/record/record-kernel.ts:
 *
 *   pinbench: recording spec=debian:bullseye packages="linux-image-5.10.0-46-amd64=5.10.262-1"
 *   pinbench: recording spec=debian:sid packages="linux-binary-7.2.13+deb14-amd64=7.2.13-1,linux-modules-7.2.13+deb14-amd64=7.2.13-1"
 *
 * This adapter makes that marker a typed `recording` event: the kernel's packages and their
 * versions, which hold for the rest of the trace. From them replay and fidelity pick the release
 * model of the recording kernel: the stable id of the package's upstream version when pinbench
 * has one (`5.10.262-1` -> `v5.10.262`), not only the `vX.Y` its `kernel=` names. A recording
 * written without the marker, or a bzImage of the user's own (`packages=""`), has no packages.
 * Every other record passes through (null).
 */
import { markerText } from '../../ingest/probe-payload.ts';
import type { EventRecord } from '../../ingest/trace-record.ts';
import type { AdaptedEvent, RecordAdapter, RecordingPackage } from '../event-stream.ts';

const PREFIX = 'pinbench: recording ';

/** `a=1.2-3,b=4.5-6` -> [{ pkg: 'a', version: '1.2-3' }, ...]; entries without `=` are left out. */
export function parseRecordingPackages(list: string): RecordingPackage[] {
  const out: RecordingPackage[] = [];
  for (const entry of list.split(',')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && eq < entry.length - 1) out.push({ pkg: entry.slice(0, eq), version: entry.slice(eq + 1) });
  }
  return out;
}

export function createPinbenchRecordingAdapter(): RecordAdapter {
  return {
    name: 'pinbench-recording',
    push(rec: EventRecord): AdaptedEvent[] | null {
      const text = markerText(rec);
      if (text === undefined || !text.startsWith(PREFIX)) return null;
      const m = /(?:^|\s)packages="([^"]*)"/.exec(text.slice(PREFIX.length));
      const col = rec.payloadCol + rec.payload.length - text.length;
      return [{ type: 'recording', packages: parseRecordingPackages(m?.[1] ?? ''), col }];
    },
    end() {
      return [];
    },
  };
}
