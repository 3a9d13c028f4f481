/**
 * The write side of divergence kinds (migration 0005): each divergence row carries its kind, and
 * each kind's title goes to `divergence_kinds` once (a kind seen before keeps its row).
 */
import { type Kysely, sql } from 'kysely';
import { divergenceKind } from '../replay/divergence-kind.ts';
import type { DivergenceRecord } from '../replay/results.ts';
import { pgJson, pgText } from './recordset-insert.ts';
import type { StoreSchema } from './store-schema.ts';

export class DivergenceKindsBatch {
  private readonly kinds = new Map<string, { kind: string; title: string; event: string }>();
  /** Kinds by signature: every occurrence of a signature has the same kind. */
  private readonly bySignature = new Map<string, string>();

  get size(): number {
    return this.kinds.size;
  }

  /** The kind of `d`, remembered for `insert`. */
  add(d: Pick<DivergenceRecord, 'signature' | 'event' | 'text' | 'classes'>): string {
    const known = this.bySignature.get(d.signature);
    if (known !== undefined) return known;
    const k = divergenceKind(d);
    this.bySignature.set(d.signature, k.kind);
    if (!this.kinds.has(k.kind))
      this.kinds.set(k.kind, { ...k, title: pgText(k.title), event: pgText(d.event) });
    return k.kind;
  }

  async insert(db: Kysely<StoreSchema>): Promise<void> {
    if (this.kinds.size === 0) return;
    const doc = pgJson([...this.kinds.values()]);
    await sql`insert into divergence_kinds (kind, title, event)
      select kind, title, event from json_to_recordset(${doc}::json) as r(kind text, title text, event text)
      on conflict (kind) do nothing`.execute(db);
  }
}
