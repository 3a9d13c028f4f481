/**
 * Adapters for real recordings, tried on every record of every trace. Each adapter recognises its
 * own recording (by its markers) and leaves other traces untouched. This file does the I/O an
 * adapter may need (sidecar files beside the trace); the adapters themselves are pure.
 */
import type { RecordAdapter } from '../model/event-stream.ts';

export function defaultAdapters(_source: string): RecordAdapter[] {
  return [];
}
