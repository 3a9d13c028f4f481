/**
 * Triage: a divergence signature accepted with a note, remembering the module hash of every
 * policy involved. The acceptance expires when any of those policies' logic changes (its hash
 * differs from the current one), so a changed policy's divergences are looked at again.
 * "Current" is what the caller passes, by default each policy's hash in the newest run that
 * recorded it. A policy the current set does not mention keeps the acceptance alive.
 */
import { type Kysely, sql } from 'kysely';
import { StoreError } from '../errors.ts';
import { OBSERVED } from '../replay/replay-scenario.ts';
import type { DivergenceClass } from '../replay/results.ts';
import { pgJson, pgText } from './recordset-insert.ts';
import type { StoreSchema } from './store-schema.ts';

export interface TriageEntry {
  signature: string;
  note: string;
  acceptedAt: Date;
  moduleHashes: Record<string, string>;
  /** Policies whose module hash changed since acceptance: non-empty means expired. */
  changed: string[];
  expired: boolean;
}

/** Each policy's module hash in the newest run that recorded it. */
export async function latestModuleHashes(db: Kysely<StoreSchema>): Promise<Record<string, string>> {
  const rows = await sql<{ id: string; module_hash: string }>`
    select distinct on (id) id, module_hash from policies order by id, run_id desc`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.id, r.module_hash]));
}

export async function listTriage(
  db: Kysely<StoreSchema>,
  current?: Record<string, string>,
): Promise<TriageEntry[]> {
  const now = current ?? (await latestModuleHashes(db));
  const rows = await db.selectFrom('triage').selectAll().orderBy('signature').execute();
  return rows.map((r) => {
    const changed = Object.entries(r.module_hashes)
      .filter(([policy, hash]) => now[policy] !== undefined && now[policy] !== hash)
      .map(([policy]) => policy);
    return {
      signature: r.signature,
      note: r.note,
      acceptedAt: r.accepted_at,
      moduleHashes: r.module_hashes,
      changed,
      expired: changed.length > 0,
    };
  });
}

/**
 * The current module hashes of the policies a signature involves: the policies in its classes
 * (`observed` aside) in the newest run that has it, each at its newest recorded hash.
 */
async function involvedHashes(db: Kysely<StoreSchema>, signature: string): Promise<Record<string, string>> {
  const d = await db
    .selectFrom('divergences')
    .where('signature', '=', signature)
    .select(['run_id', 'classes'])
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!d) {
    throw new StoreError(
      'PB_STORE',
      `no stored divergence has signature ${signature}: \`pinbench diff\` and the report list signatures`,
    );
  }
  const ids = [
    ...new Set((d.classes as DivergenceClass[]).flatMap((c) => c.policies).filter((p) => p !== OBSERVED)),
  ];
  const latest = await latestModuleHashes(db);
  const missing = ids.filter((id) => latest[id] === undefined);
  if (missing.length) {
    throw new StoreError(
      'PB_STORE',
      `no run recorded the policies ${missing.join(', ')} that signature ${signature} involves, ` +
        'so the acceptance could never expire: accept it after a run that records its policies',
    );
  }
  return Object.fromEntries(ids.map((id) => [id, latest[id]!]));
}

/** Accepts (or re-accepts, replacing note and hashes) a divergence signature. */
export async function acceptSignature(
  db: Kysely<StoreSchema>,
  signature: string,
  note: string,
  moduleHashes?: Record<string, string>,
): Promise<TriageEntry> {
  if (!/^[0-9a-f]{4,64}$/i.test(signature)) {
    throw new StoreError('PB_STORE', `'${signature}' is not a divergence signature (hex digits)`);
  }
  if (!note.trim()) throw new StoreError('PB_STORE', 'an acceptance needs a note saying why (--note "...")');
  const hashes = moduleHashes ?? (await involvedHashes(db, signature));
  const row = await db
    .insertInto('triage')
    .values({ signature, note: pgText(note), module_hashes: pgJson(hashes) })
    .onConflict((oc) =>
      oc.column('signature').doUpdateSet({
        note: (eb) => eb.ref('excluded.note'),
        module_hashes: (eb) => eb.ref('excluded.module_hashes'),
        accepted_at: sql<Date>`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    signature: row.signature,
    note: row.note,
    acceptedAt: row.accepted_at,
    moduleHashes: row.module_hashes,
    changed: [],
    expired: false,
  };
}
