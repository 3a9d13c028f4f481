/**
 * Adapters for real recordings, tried on every record of every trace. Each adapter recognises its
 * own recording (by its markers) and leaves other traces untouched.
 */
import type { RecordAdapter } from '../model/event-stream.ts';

export function defaultAdapters(): RecordAdapter[] {
  return [];
}
