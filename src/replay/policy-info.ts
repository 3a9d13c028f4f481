/** Describes policies for listings and storage: metadata without the functions. */
import { FAMILIES, type Family, kernelHash, type Policy } from '../model/kernel.ts';

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
    moduleHash: p.moduleHash ?? kernelHash(p.ops),
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
