/**
 * The one swappable part of the store: a database behind kysely, plus the little that differs
 * between an embedded PGlite directory and a PostgreSQL server (who may write a run). Everything
 * else (schema, writes, queries) is the same SQL on both.
 */
import type { Kysely } from 'kysely';
import type { StoreSchema } from './store-schema.ts';

export const BACKEND_KINDS = ['pglite', 'postgres'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface StoreBackend {
  readonly kind: BackendKind;
  /** The directory or the URL without its password: safe to print. */
  readonly location: string;
  readonly db: Kysely<StoreSchema>;
  /**
   * Claims the right to write `runId` for this process, visibly to other processes; false when a
   * live process holds it. The claim ends with `releaseRun`, `close`, or the process's death.
   */
  claimRun(runId: number): Promise<boolean>;
  releaseRun(runId: number): Promise<void>;
  /** Of `runIds`, those claimed by some other live process. */
  claimedElsewhere(runIds: readonly number[]): Promise<Set<number>>;
  /**
   * Called after each batch a run writes: housekeeping a PostgreSQL server does by itself and an
   * embedded database must be asked for (PGlite checkpoints, so its write-ahead log stays small).
   */
  afterBatch(): Promise<void>;
  close(): Promise<void>;
}
