/**
 * The report's static assets (src/report/assets/): CSS and plain browser scripts, no build
 * step. A closed list: the static writer copies exactly these and `pinbench serve` answers only
 * these names, from memory, so no request path ever reaches the file system.
 */
import { readFile } from 'node:fs/promises';

export const ASSET_NAMES = ['report.css', 'report.js', 'divergence-list.js', 'matrix.js'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return CONTENT_TYPES[dot >= 0 ? path.slice(dot) : ''] ?? 'application/octet-stream';
}

export function isAssetName(name: string): name is AssetName {
  return (ASSET_NAMES as readonly string[]).includes(name);
}

let cache: Promise<Map<AssetName, Buffer>> | null = null;

export function loadAssets(): Promise<Map<AssetName, Buffer>> {
  cache ??= (async () => {
    const out = new Map<AssetName, Buffer>();
    for (const name of ASSET_NAMES)
      out.set(name, await readFile(new URL(`./assets/${name}`, import.meta.url)));
    return out;
  })();
  return cache;
}
