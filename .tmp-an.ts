import { PGlite } from '@electric-sql/pglite';
const db = new PGlite(process.argv[2]!);
const q = async (s: string) => { try { return (await db.query(s)).rows; } catch (e) { return String((e as Error).message).slice(0, 300); } };
console.log(await q(`select count(*) n, count(distinct (c->'why')::text) dwhy, count(distinct (c->'outcome')::text) dout, sum(length((c->'why')::text)) why_b, sum(length((c->'outcome')::text)) out_b, sum(length((c->'policies')::text)) pol_b from divergences, json_array_elements(classes) c`));
console.log(await q(`select count(distinct unsupported::text) du, sum(length(unsupported::text)) ub, count(distinct context::text) dctx from divergences`));
console.log(await q(`select relname, pg_total_relation_size(oid) from pg_class where relkind in ('r') and relnamespace = 'public'::regnamespace order by 2 desc limit 12`));
console.log(await q(`select count(*) from scenario_results`), await q(`select count(*), count(*) filter (where failed::text <> '[]') f, count(*) filter (where extra is not null) e, count(*) filter (where reason is not null) r from scenario_results`), await q(`select count(*) filter (where extra is not null) e from finals`));
const r = await q(`select context::text c, line from divergences limit 3`); console.log(r);
