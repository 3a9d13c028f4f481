/**
 * What a trace argument names: standard input, a URL, or a local file. Its own module so that
 * code that only needs to know (the check cache's keys) does not load the whole ingest stage.
 */
export type SourceKind = 'stdin' | 'url' | 'file';

export function sourceKind(source: string): SourceKind {
  if (source === '-') return 'stdin';
  if (/^https?:\/\//i.test(source)) return 'url';
  return 'file';
}
