/**
 * The layout of a report: the path of every page inside a report directory. The static writer
 * writes these files and `pinbench serve` answers the same paths under `/runs/<id>/`, so every
 * link between pages is relative and works in both (and from file://).
 *
 *   index.html                  run summary
 *   matrix.html, matrix-N.html  scenario x policy matrix, columns grouped by verdict vector
 *   matrix-release.html         the same in run (release) order
 *   divergences/index.html      divergence list page 1 (+ the filter script), page-N.html after
 *   kinds/index.html            divergence kinds, most frequent first
 *   k/<ab>/<kind>.html          one kind: title, counts, traces, its first occurrence in full and examples
 *   d/<ab>/<signature>.html     one divergence (every occurrence of its signature): written by
 *                               `report --pages all`; `pinbench serve` answers it from the database
 *   policies/index.html         policy list; policies/<slug>.html one policy
 *   assets/*                    CSS and scripts; data/divergences.js the list's compact index,
 *                               data/divergence-text.js the call texts it searches
 */
import { createHash } from 'node:crypto';

export const DIVERGENCES_PER_PAGE = 200;
export const MATRIX_ROWS_PER_PAGE = 500;

export const SUMMARY_PATH = 'index.html';
export const POLICIES_PATH = 'policies/index.html';
export const KINDS_PATH = 'kinds/index.html';
export const DIVERGENCE_INDEX_DATA = 'data/divergences.js';
/** The call text of every divergence (for search), loaded after the list is interactive. */
export const DIVERGENCE_TEXT_DATA = 'data/divergence-text.js';
/** The matrix's rows after page 1, for `assets/matrix.js` (large static reports). */
export const MATRIX_DATA = 'data/matrix.js';
export const REPORT_MARKER = '.pinbench-report';

export function matrixPath(page = 1, order: 'grouped' | 'release' = 'grouped'): string {
  const base = order === 'grouped' ? 'matrix' : 'matrix-release';
  return page <= 1 ? `${base}.html` : `${base}-${page}.html`;
}

export function divergenceListPath(page = 1): string {
  return page <= 1 ? 'divergences/index.html' : `divergences/page-${page}.html`;
}

/** A signature as a file name: hex as it is, anything else hashed (never a path from data). */
export function signatureSlug(signature: string): string {
  if (/^[0-9a-f]{4,64}$/i.test(signature)) return signature.toLowerCase();
  return `x${createHash('sha256').update(signature).digest('hex').slice(0, 24)}`;
}

export function divergencePath(signature: string): string {
  const slug = signatureSlug(signature);
  return `d/${slug.slice(0, 2)}/${slug}.html`;
}

export function kindPath(kind: string): string {
  const slug = signatureSlug(kind);
  return `k/${slug.slice(0, 2)}/${slug}.html`;
}

/** A policy id as a file name: `v6.0-rc1` stays; other characters become `_` plus a hash. */
export function policySlug(id: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(id) && !id.includes('..')) return id;
  const clean = id
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/\.\.+/g, '_')
    .slice(0, 60);
  return `${clean}-${createHash('sha256').update(id).digest('hex').slice(0, 10)}`;
}

export function policyPath(id: string): string {
  return `policies/${policySlug(id)}.html`;
}

export function assetPath(name: string): string {
  return `assets/${name}`;
}

/** The relative URL from the page at `from` to the report path `to` (both report-relative). */
export function relativeUrl(from: string, to: string): string {
  const depth = from.split('/').length - 1;
  return `${'../'.repeat(depth)}${to}`;
}
