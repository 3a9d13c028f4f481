/**
 * Finds, downloads and unpacks the kernel `--kernel` names. Debian packages are cached by their
 * SHA256 (from the package index, checked after download) under `<cache>/debs/`, unpacked once
 * under `<cache>/kernels/<sha256>/`; a bzImage on disk is used in place.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PinbenchError } from '../errors.ts';
import { DebianApt, debVersionGreater, type MadisonRow, type PackageRecord } from './debian-apt.ts';
import { withFetchLock } from './fetch-lock.ts';
import { formatKernelSpec, type KernelSpec } from './kernel-spec.ts';

const run = promisify(execFile);

export interface KernelImage {
  /** How it was named on the command line. */
  spec: string;
  /** `uname -r` of the kernel (`6.12.117+deb13-amd64`). */
  release: string;
  vmlinuz: string;
  config: string | null;
  systemMap: string | null;
  /** The `lib/modules/<release>` directory, or null when there are no modules. */
  modulesDir: string | null;
  /** The Debian packages it came from, exact versions and checksums. */
  packages: { pkg: string; version: string; sha256: string; suite: string }[];
}

/** `$PINBENCH_CACHE`, else `~/.cache/pinbench` (`$XDG_CACHE_HOME/pinbench` when that is set). */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.PINBENCH_CACHE) return env.PINBENCH_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pinbench');
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The newest row of `linux-image-amd64` for the spec (a suite with its -security, or a series). */
async function pickMeta(apt: DebianApt, spec: KernelSpec): Promise<MadisonRow> {
  const rows = await apt.madison('linux-image-amd64');
  const fits = rows.filter((r) =>
    spec.kind === 'suite'
      ? r.suite === spec.suite || r.suite === `${spec.suite}-security` || r.suite === `${spec.suite}-updates`
      : spec.kind === 'series'
        ? r.version === spec.series ||
          r.version.startsWith(`${spec.series}.`) ||
          r.version.startsWith(`${spec.series}-`)
        : false,
  );
  let best: MadisonRow | undefined;
  for (const r of fits) if (!best || (await debVersionGreater(r.version, best.version))) best = r;
  if (!best) {
    const known = [...new Set(rows.map((r) => `${r.version} (${r.suite})`))].join(', ');
    throw new PinbenchError(
      'PB_IO',
      `no Debian kernel matches ${formatKernelSpec(spec)}; linux-image-amd64 versions known: ${known || 'none (apt lists empty?)'}`,
    );
  }
  return best;
}

/**
 * The packages holding the image: one linux-image-*, or (7.x) its linux-binary-* +
 * linux-modules-* + linux-base-<release> (the last holds the kernel's config and System.map, which
 * the recording reads: without it a 7.x recording stated cma=0 migration=0 for a kernel with both).
 * The unversioned `linux-base` an older image depends on is Debian's scripts package, not this.
 */
export function splitImagePackages(depends: readonly string[]): string[] {
  const of = (prefix: string) => depends.filter((d) => d.startsWith(prefix));
  return [...of('linux-binary-'), ...of('linux-modules-'), ...of('linux-base-')];
}

async function imagePackages(apt: DebianApt, meta: MadisonRow): Promise<PackageRecord[]> {
  const metaRec = await apt.show(meta.pkg, meta.version);
  const image = metaRec.depends.find((d) => d.startsWith('linux-image-'));
  if (!image)
    throw new PinbenchError('PB_IO', `${meta.pkg} ${meta.version} depends on no linux-image-* package`);
  const rec = await apt.show(image, meta.version);
  const split = splitImagePackages(rec.depends);
  if (split.length === 0) return [rec];
  return Promise.all(split.map((p) => apt.show(p, meta.version)));
}

async function cachedDeb(
  apt: DebianApt,
  rec: PackageRecord,
  cache: string,
  log: (l: string) => void,
): Promise<string> {
  const debs = join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  const target = join(debs, `${rec.sha256}.deb`);
  if (existsSync(target)) return target;
  const tmp = join(debs, `tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    log(`downloading ${rec.pkg} ${rec.version} (${(rec.size / 1e6).toFixed(0)} MB)`);
    await apt.download(rec.pkg, rec.version, tmp);
    const file = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!file) throw new PinbenchError('PB_IO', `apt-get download ${rec.pkg}=${rec.version} wrote no .deb`);
    const sum = await sha256File(join(tmp, file));
    if (sum !== rec.sha256) {
      throw new PinbenchError(
        'PB_IO',
        `${file}: SHA256 ${sum} does not match the package index (${rec.sha256})`,
      );
    }
    renameSync(join(tmp, file), target);
    return target;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function firstExisting(paths: string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

/** Locates vmlinuz, config, System.map and modules in an unpacked tree (boot/ or usr/lib/modules/). */
function locate(root: string, spec: string, packages: KernelImage['packages']): KernelImage {
  const modRoots = [join(root, 'usr/lib/modules'), join(root, 'lib/modules')].filter((d) => existsSync(d));
  const boot = join(root, 'boot');
  let release: string | undefined;
  if (existsSync(boot))
    release = readdirSync(boot)
      .find((f) => f.startsWith('vmlinuz-'))
      ?.slice('vmlinuz-'.length);
  for (const m of modRoots) release ??= readdirSync(m)[0];
  if (!release)
    throw new PinbenchError('PB_IO', `${spec}: no vmlinuz-* or modules directory in the packages`);
  const modulesDir = firstExisting(modRoots.map((m) => join(m, release)));
  const vmlinuz = firstExisting([
    join(boot, `vmlinuz-${release}`),
    ...(modulesDir ? [join(modulesDir, 'vmlinuz')] : []),
  ]);
  if (!vmlinuz) throw new PinbenchError('PB_IO', `${spec}: the packages hold no vmlinuz for ${release}`);
  const inBoth = (b: string, m: string): string | null =>
    firstExisting([join(boot, `${b}-${release}`), ...(modulesDir ? [join(modulesDir, m)] : [])]);
  return {
    spec,
    release,
    vmlinuz,
    config: inBoth('config', 'config'),
    systemMap: inBoth('System.map', 'System.map'),
    modulesDir,
    packages,
  };
}

async function fetchDebian(spec: KernelSpec, cache: string, log: (l: string) => void): Promise<KernelImage> {
  const apt = new DebianApt(cache, log);
  const updated = await apt.ensureLists();
  // apt-cache reads every list on each call (seconds with sid's): the answer for a spec is kept
  // until the lists are next refreshed.
  // `v2-`: the answers kept before linux-base-<release> was fetched lack it (splitImagePackages).
  const resolvedFile = join(cache, 'resolved', `v2-${formatKernelSpec(spec).replace(/[^\w.-]/g, '_')}.json`);
  let meta: MadisonRow;
  let recs: PackageRecord[];
  if (!updated && existsSync(resolvedFile)) {
    ({ meta, recs } = JSON.parse(readFileSync(resolvedFile, 'utf8')) as {
      meta: MadisonRow;
      recs: PackageRecord[];
    });
  } else {
    meta = await pickMeta(apt, spec);
    recs = await imagePackages(apt, meta);
    mkdirSync(dirname(resolvedFile), { recursive: true });
    writeFileSync(resolvedFile, JSON.stringify({ meta, recs }));
  }
  // Every package's checksum counts: the first 64 characters of the joined list were the first
  // package's alone, so an image that gained a package (linux-base-*) reused the old unpacking.
  const key = createHash('sha256')
    .update(recs.map((r) => r.sha256).join('-'))
    .digest('hex');
  const root = join(cache, 'kernels', key);
  const packages = recs.map((r) => ({ pkg: r.pkg, version: r.version, sha256: r.sha256, suite: meta.suite }));
  if (!existsSync(root)) {
    const tmp = `${root}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const rec of recs) {
      const deb = await cachedDeb(apt, rec, cache, log);
      log(`unpacking ${basename(deb)} (${rec.pkg} ${rec.version})`);
      try {
        await run('dpkg-deb', ['-x', deb, tmp]);
      } catch (e) {
        throw new PinbenchError('PB_IO', `dpkg-deb -x ${deb} failed: ${(e as Error).message}`, { cause: e });
      }
    }
    renameSync(tmp, root);
  }
  return locate(root, formatKernelSpec(spec), packages);
}

/** The release string inside a bzImage: the setup header's kernel_version pointer (boot protocol 2.0+). */
export function bzImageRelease(path: string): string | null {
  const buf = readFileSync(path);
  if (buf.length < 0x300 || buf.toString('latin1', 0x202, 0x206) !== 'HdrS') return null;
  const off = buf.readUInt16LE(0x20e) + 0x200;
  const end = buf.indexOf(0, off);
  const text = buf.toString('latin1', off, end < 0 ? off + 256 : end);
  return text.split(' ')[0] || null;
}

function fromPath(path: string, modules: string | undefined): KernelImage {
  if (!existsSync(path)) throw new PinbenchError('PB_IO', `--kernel ${path}: no such file`);
  const release = bzImageRelease(path);
  if (!release) throw new PinbenchError('PB_IO', `--kernel ${path}: not a bzImage (no HdrS setup header)`);
  const dir = dirname(path);
  const modulesDir = modules ?? firstExisting([join('/lib/modules', release)]);
  return {
    spec: path,
    release,
    vmlinuz: path,
    config: firstExisting([
      join(dir, `config-${release}`),
      ...(modulesDir ? [join(modulesDir, 'config')] : []),
    ]),
    systemMap: firstExisting([
      join(dir, `System.map-${release}`),
      ...(modulesDir ? [join(modulesDir, 'System.map')] : []),
    ]),
    modulesDir,
    packages: [],
  };
}

export async function fetchKernel(
  spec: KernelSpec,
  opts: { cache: string; modules?: string; log: (line: string) => void },
): Promise<KernelImage> {
  if (spec.kind === 'path') return fromPath(spec.path, opts.modules);
  const image = await withFetchLock(opts.cache, () => fetchDebian(spec, opts.cache, opts.log), {
    log: opts.log,
  });
  return opts.modules ? { ...image, modulesDir: opts.modules } : image;
}
