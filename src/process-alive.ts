/**
 * Whether a process still runs, for locks that name their owner by pid (the store's data
 * directory lock, record's fetch lock): a lock whose owner is gone is stale and taken over.
 */
import { readFileSync } from 'node:fs';

/** Fields 3.. of /proc/<pid>/stat (state, ppid, ...), or null where there is no /proc. */
export function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process killed with -9 whose parent has not reaped it yet is a zombie: it answers signal 0
  // but will never write again, so its lock is stale.
  return procStat(pid)?.[0] !== 'Z';
}
