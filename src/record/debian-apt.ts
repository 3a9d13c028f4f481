/**
 * A private apt state under pinbench's cache directory: its own sources list for Debian's suites,
 * its own package lists and download cache, so fetching a kernel needs no change to the system's
 * apt configuration (and works on any Debian-like host with apt-get and dpkg-deb).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PinbenchError } from '../errors.ts';
import { DEBIAN_SUITES } from './kernel-spec.ts';

const run = promisify(execFile);

const MIRROR = 'http://deb.debian.org/debian';
const SECURITY = 'http://deb.debian.org/debian-security';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** Lists older than this are refreshed before a lookup. */
const LIST_MAX_AGE_MS = 12 * 3600 * 1000;

export interface MadisonRow {
  pkg: string;
  version: string;
  /** `trixie-security` from `trixie-security/main amd64 Packages`. */
  suite: string;
}

export interface PackageRecord {
  pkg: string;
  version: string;
  filename: string;
  sha256: string;
  size: number;
  depends: string[];
}

/** The sources list: every suite pinbench knows, with its security suite (sid has none). */
export function sourcesList(): string {
  const lines: string[] = [];
  for (const s of DEBIAN_SUITES) {
    lines.push(`deb [arch=amd64 signed-by=${KEYRING}] ${MIRROR} ${s} main`);
    if (s !== 'sid') lines.push(`deb [arch=amd64 signed-by=${KEYRING}] ${SECURITY} ${s}-security main`);
  }
  return `${lines.join('\n')}\n`;
}

export class DebianApt {
  readonly dir: string;
  private readonly log: (line: string) => void;

  constructor(cacheDir: string, log: (line: string) => void) {
    this.dir = join(cacheDir, 'apt');
    this.log = log;
    for (const d of ['lists/partial', 'cache/archives/partial', 'etc'])
      mkdirSync(join(this.dir, d), { recursive: true });
    writeFileSync(join(this.dir, 'etc/sources.list'), sourcesList());
  }

  private options(): string[] {
    return [
      '-o',
      `Dir::Etc::SourceList=${join(this.dir, 'etc/sources.list')}`,
      '-o',
      'Dir::Etc::SourceParts=/dev/null',
      '-o',
      `Dir::State::Lists=${join(this.dir, 'lists')}`,
      '-o',
      `Dir::Cache=${join(this.dir, 'cache')}`,
      '-o',
      'APT::Architecture=amd64',
      '-o',
      'Acquire::Languages=none',
      '-o',
      'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false',
      '-o',
      'Debug::NoLocking=1',
    ];
  }

  private async apt(tool: 'apt-get' | 'apt-cache', args: string[], cwd?: string): Promise<string> {
    try {
      const { stdout } = await run(tool, [...this.options(), ...args], {
        maxBuffer: 64 * 1024 * 1024,
        ...(cwd ? { cwd } : {}),
      });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new PinbenchError(
        'PB_IO',
        `${tool} ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Runs `apt-get update` into the private lists when they are missing or stale; true if it ran. */
  async ensureLists(): Promise<boolean> {
    const lists = join(this.dir, 'lists');
    const packages = readdirSync(lists).filter((f) => f.endsWith('_Packages') || f.includes('_Packages.'));
    // Freshness is the last update's own stamp: an update that finds a list unchanged on the
    // mirror leaves the file's mtime as it was, so judging by the lists alone re-ran the update
    // on every record once they were 12 hours old.
    const stamp = join(this.dir, 'lists-updated');
    const fresh =
      packages.length > 0 && existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < LIST_MAX_AGE_MS;
    if (fresh) return false;
    this.log(`apt-get update (lists under ${lists})`);
    await this.apt('apt-get', ['-qq', 'update']);
    writeFileSync(stamp, `${new Date().toISOString()}\n`);
    return true;
  }

  async madison(pkg: string): Promise<MadisonRow[]> {
    const out = await this.apt('apt-cache', ['madison', pkg]);
    const rows: MadisonRow[] = [];
    for (const line of out.split('\n')) {
      const cols = line.split('|').map((c) => c.trim());
      if (cols.length < 3 || !cols[2]!.endsWith('Packages')) continue;
      const suite = /\s(\S+?)\/\S+\s+\S+\s+Packages$/.exec(cols[2]!)?.[1];
      if (suite) rows.push({ pkg: cols[0]!, version: cols[1]!, suite });
    }
    return rows;
  }

  async show(pkg: string, version: string): Promise<PackageRecord> {
    const out = await this.apt('apt-cache', ['show', `${pkg}=${version}`]);
    const para = out.split(/\n\n/)[0] ?? '';
    const field = (name: string): string => new RegExp(`^${name}: (.*)$`, 'm').exec(para)?.[1]?.trim() ?? '';
    return {
      pkg,
      version,
      filename: field('Filename'),
      sha256: field('SHA256'),
      size: Number(field('Size')),
      depends: field('Depends')
        .split(',')
        .map((d) => d.trim().split(/\s/)[0]!)
        .filter(Boolean),
    };
  }

  /** Downloads one package into `dir` (apt-get download writes into its working directory). */
  async download(pkg: string, version: string, dir: string): Promise<void> {
    await this.apt('apt-get', ['-qq', 'download', `${pkg}=${version}`], dir);
  }
}

/** Debian version order, through dpkg itself. */
export async function debVersionGreater(a: string, b: string): Promise<boolean> {
  try {
    await run('dpkg', ['--compare-versions', a, 'gt', b]);
    return true;
  } catch {
    return false;
  }
}
