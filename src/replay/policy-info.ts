/** Describes policies for listings and storage: metadata without the functions. */
import { createHash } from 'node:crypto';
import { FAMILIES, type Family, kernelHash, type Policy } from '../model/kernel.ts';
import { moduleGraphHash } from './module-graph.ts';

/**
 * A policy's identity hash (the "logic hash" a triage acceptance expires on): a user module's
 * hash as loaded (its own module graph plus its base's identity), else the text of every
 * function in the table together with the whole module graph of the family versions it is made
 * of, so a change in a helper those functions call changes it too.
 */
export function policyIdentityHash(p: Policy): string {
  if (p.moduleHash) return p.moduleHash;
  const modules = [...new Set(Object.values(p.versions).flatMap((v) => (v.module ? [v.module] : [])))];
  const hash = createHash('sha256')
    .update(kernelHash(p.ops))
    .update('\0')
    .update(moduleGraphHash(modules))
    .digest('hex');
  return hash;
}

export interface PolicyInfo {
  id: string;
  kind: Policy['kind'];
  title: string;
  scopeRelease: string;
  commit?: string;
  subject?: string;
  summary?: string;
  /** family -> version id (commit or label) */
  families: Record<Family, string>;
  /** family -> the version's first release and subject, for "what changed" views. */
  familyDetails: Record<
    Family,
    { id: string; release: string | null; subject: string; summary: string; commit?: string }
  >;
  overrides: string[];
  moduleHash: string;
  source?: string;
}

export function describePolicy(p: Policy): PolicyInfo {
  const families = {} as Record<Family, string>;
  const familyDetails = {} as PolicyInfo['familyDetails'];
  for (const f of FAMILIES) {
    const v = p.versions[f];
    families[f] = v.id;
    familyDetails[f] = {
      id: v.id,
      release: v.release,
      subject: v.subject,
      summary: v.summary,
      ...(v.commit ? { commit: v.commit } : {}),
    };
  }
  const info: PolicyInfo = {
    id: p.id,
    kind: p.kind,
    title: p.title,
    scopeRelease: p.scopeRelease,
    families,
    familyDetails,
    overrides: [...p.overrides],
    moduleHash: policyIdentityHash(p),
  };
  if (p.commit) info.commit = p.commit;
  if (p.subject) info.subject = p.subject;
  if (p.summary) info.summary = p.summary;
  if (p.source) info.source = p.source;
  return info;
}

/** Families whose version differs between two policies (the "what changed" of a release). */
export function changedFamilies(a: PolicyInfo, b: PolicyInfo): Family[] {
  return FAMILIES.filter((f) => a.families[f] !== b.families[f]);
}
