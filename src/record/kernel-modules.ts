/**
 * The modules a recording needs (VFIO for the map/unmap cases, loop + ext4 for the file cases)
 * with everything they depend on, in load order. Debian's packages ship no modules.dep (depmod
 * runs at install), so dependencies come from each module's own `.modinfo` section
 * (`depends=a,b`, `softdep=pre: x`), read after decompressing `.ko.xz` / `.ko.zst`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const WANTED_MODULES = [
  'irqbypass',
  'vfio',
  'vfio_iommu_type1',
  'vfio_pci_core',
  'vfio_pci',
  'loop',
  // ext4 needs the crc32c shash at mount time ("Cannot load crc32c driver" -> ENOENT); its
  // softdep names only the alias, so the implementations are listed (whichever exist are loaded).
  'crc32c_generic',
  'crc32c_intel',
  'ext4',
] as const;

export interface ModuleFile {
  name: string;
  /** The module decompressed, ready for insmod. */
  bytes: Buffer;
}

function normalise(name: string): string {
  return name.replace(/-/g, '_');
}

function indexModules(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const m = /^(.+)\.ko(\.xz|\.zst|\.gz)?$/.exec(e.name);
        if (m) out.set(normalise(m[1]!), p);
      }
    }
  };
  walk(dir);
  return out;
}

function decompress(path: string): Buffer {
  const opts = { maxBuffer: 256 * 1024 * 1024 };
  if (path.endsWith('.xz')) return execFileSync('xz', ['-dc', path], opts);
  if (path.endsWith('.zst')) return execFileSync('zstd', ['-dqc', path], opts);
  if (path.endsWith('.gz')) return execFileSync('gzip', ['-dc', path], opts);
  return readFileSync(path);
}

/** `depends=` and `softdep=pre:` names of a module image (its .modinfo strings are NUL separated). */
export function moduleDeps(bytes: Buffer): string[] {
  const deps: string[] = [];
  for (const key of ['depends=', 'softdep=']) {
    let at = bytes.indexOf(key);
    while (at >= 0) {
      // Only a whole .modinfo string: preceded by NUL.
      if (at === 0 || bytes[at - 1] === 0) {
        const end = bytes.indexOf(0, at);
        const value = bytes.toString('latin1', at + key.length, end < 0 ? undefined : end);
        if (key === 'depends=') deps.push(...value.split(',').filter(Boolean));
        else
          deps.push(...(/pre:\s*([^:]*?)(?:\s+post:|$)/.exec(value)?.[1] ?? '').split(/\s+/).filter(Boolean));
      }
      at = bytes.indexOf(key, at + 1);
    }
  }
  return deps.map(normalise);
}

/**
 * The wanted modules that exist in `modulesDir` with their dependencies, dependencies first.
 * A wanted module missing from the tree is simply absent (built in, or not built): the guest's
 * init reports what it could not load, and the cases needing it say why they were skipped.
 */
export function collectModules(modulesDir: string, wanted: readonly string[] = WANTED_MODULES): ModuleFile[] {
  const index = indexModules(join(modulesDir, 'kernel'));
  const order: ModuleFile[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const path = index.get(name);
    if (!path) return;
    const bytes = decompress(path);
    for (const d of moduleDeps(bytes)) visit(d);
    order.push({ name, bytes });
  };
  for (const w of wanted) visit(normalise(w));
  return order;
}
