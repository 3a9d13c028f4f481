/**
 * Sharding a run over machines: `--shard I/N` picks a deterministic slice of the corpus, and every
 * shard writes into one run (`--run-id`). The slice is round-robin over the sorted, de-duplicated
 * source list, so N shards are balanced by trace count and together cover every trace exactly
 * once, provided they all see the same list (each shard checks that: `sourcesHash` is stored with
 * the run and compared on join).
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.ts';

export interface ShardSpec {
  /** 1-based, like GitLab's CI_NODE_INDEX. */
  index: number;
  count: number;
}

/** More shards than this is a typo, and the advisory-lock keys assume it (see shard-runs.ts). */
export const MAX_SHARDS = 4096;

/** `--shard I/N`: 1 <= I <= N <= MAX_SHARDS. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`--shard takes I/N (e.g. 2/3, shards numbered from 1), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard ${text}: N must be 1..${MAX_SHARDS}`);
  if (index < 1 || index > count)
    throw new UsageError(`--shard ${text}: I must be 1..${count} (shards are numbered from 1)`);
  return { index, count };
}

/** `--run-id N`: a positive 32-bit integer (the runs table's id column). */
export function parseRunId(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > 2 ** 31 - 1) {
    throw new UsageError(
      `--run-id takes a run id from 1 to ${2 ** 31 - 1}, got '${text}' (create one with \`pinbench run --create-run\`)`,
    );
  }
  return Number(text);
}

function sortedUnique(sources: readonly string[]): string[] {
  return [...new Set(sources)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The sources shard `index` of `count` replays: every count-th of the sorted list. */
export function selectShard(sources: readonly string[], shard: ShardSpec): string[] {
  return sortedUnique(sources).filter((_, k) => k % shard.count === shard.index - 1);
}

/** Identifies the whole source list (sorted, de-duplicated), so shards can check they agree. */
export function sourcesHash(sources: readonly string[]): string {
  const h = createHash('sha256');
  for (const s of sortedUnique(sources)) h.update(s).update('\0');
  return h.digest('hex');
}

export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}
