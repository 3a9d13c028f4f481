/**
 * `pinbench record`'s work: fetch a kernel, build an initramfs (busybox, the needed modules, the
 * workload compiled statically from workload/pinbench-workload.c, an ext4 image), boot it under
 * qemu, and turn what comes back over the data serial port into a trace `pinbench replay` reads
 * directly (the guest's tracefs `trace` file: the probe and tracepoint lines as the kernel wrote
 * them, with the workload's pinbench-vocabulary markers among them) plus a JSON sidecar.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PinbenchError } from '../errors.ts';
import { bootQemu } from './boot-qemu.ts';
import { type CpioEntry, cpioNewc } from './cpio-newc.ts';
import { fetchKernel, type KernelImage } from './fetch-kernel.ts';
import { guestInit, SECTION_BEGIN, SECTION_DONE, SECTION_END } from './guest-init.ts';
import { hostTool } from './host-tool.ts';
import { collectModules } from './kernel-modules.ts';
import type { KernelSpec } from './kernel-spec.ts';

const run = promisify(execFile);

export const WORKLOAD_SOURCE = new URL('../../workload/pinbench-workload.c', import.meta.url);
const BUSYBOX = '/bin/busybox';
const EXT4_IMAGE_BYTES = 16 * 1024 * 1024;
/** 2 MiB huge pages reserved at boot for the hugetlb cases. */
const HUGEPAGES = 4;

export interface RecordOptions {
  kernel: KernelSpec;
  modules?: string;
  append?: string;
  cases?: string;
  cache: string;
  timeoutMs?: number;
  accel?: 'tcg' | 'kvm';
  log: (line: string) => void;
}

export interface RecordingSidecar {
  recorder: 'pinbench record';
  kernel: {
    spec: string;
    release: string;
    packages: KernelImage['packages'];
    config: Record<string, string>;
  };
  append: string;
  cases: string | null;
  /** What the guest could set up, its zones and mounts, and the kernel's WARN/BUG lines from the console. */
  guest: { status: string[]; info: string[]; kernelWarnings: string[] };
  timings: { fetchMs: number; buildMs: number; bootMs: number; totalMs: number };
}

export interface Recording {
  trace: string;
  sidecar: RecordingSidecar;
  console: string;
}

/**
 * How mem_rw() gives FOLL_FORCE to a write to /proc/PID/mem, from the kernel config: the choice of
 * "proc: add config & param to block forcing mem writes" (CONFIG_PROC_MEM_ALWAYS_FORCE,
 * _FORCE_PTRACE, _NO_FORCE; Debian's 5.10.262, 6.1.192 and 6.12.118 force always, its 7.2.13 only
 * for a tracer), "always" for a config without the choice (the kernel predates it and always
 * forced), "unknown" without a config (the workload then skips the /proc/self/mem cases).
 */
export function procMemForce(
  config: Record<string, string> | null,
): 'always' | 'ptrace' | 'never' | 'unknown' {
  if (!config) return 'unknown';
  if (config.CONFIG_PROC_MEM_FORCE_PTRACE === 'y') return 'ptrace';
  if (config.CONFIG_PROC_MEM_NO_FORCE === 'y') return 'never';
  return 'always';
}

/** `CONFIG_X=y` lines of a kernel config, for the options the models care about. */
export function readKernelConfig(path: string | null): Record<string, string> {
  const wanted = [
    'CONFIG_CMA',
    'CONFIG_MIGRATION',
    'CONFIG_TRANSPARENT_HUGEPAGE',
    'CONFIG_HUGETLBFS',
    'CONFIG_IO_URING',
    'CONFIG_VFIO',
    'CONFIG_KPROBE_EVENTS',
    'CONFIG_DEBUG_INFO_BTF',
    'CONFIG_ARCH_HAS_PTE_SPECIAL',
    'CONFIG_MEMORY_HOTPLUG',
    'CONFIG_ZONE_DEVICE',
    'CONFIG_PROC_MEM_ALWAYS_FORCE',
    'CONFIG_PROC_MEM_FORCE_PTRACE',
    'CONFIG_PROC_MEM_NO_FORCE',
  ];
  const out: Record<string, string> = {};
  if (!path) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m && wanted.includes(m[1]!)) out[m[1]!] = m[2]!;
  }
  for (const w of wanted) out[w] ??= 'n';
  return out;
}

/** Compiles the workload once per source text and gcc, cached under `<cache>/workload/`. */
async function buildWorkload(cache: string): Promise<string> {
  const source = readFileSync(WORKLOAD_SOURCE);
  const { stdout: gccVersion } = await run('gcc', ['--version']).catch((e: Error) => {
    throw new PinbenchError('PB_IO', `gcc is needed to build the workload: ${e.message}`);
  });
  const key = createHash('sha256').update(source).update(gccVersion).digest('hex').slice(0, 16);
  const out = join(cache, 'workload', `pinbench-${key}`);
  if (existsSync(out)) return out;
  mkdirSync(join(cache, 'workload'), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await run('gcc', ['-O2', '-Wall', '-static', '-o', tmp, WORKLOAD_SOURCE.pathname]);
  } catch (e) {
    throw new PinbenchError(
      'PB_IO',
      `gcc -static failed for ${WORKLOAD_SOURCE.pathname}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`,
    );
  }
  copyFileSync(tmp, out);
  rmSync(tmp, { force: true });
  return out;
}

async function ext4Image(work: string, log: (l: string) => void): Promise<Buffer | null> {
  const img = join(work, 'ext4.img');
  writeFileSync(img, Buffer.alloc(0));
  await run('truncate', ['-s', String(EXT4_IMAGE_BYTES), img]);
  try {
    await run(hostTool('mkfs.ext4'), ['-q', '-F', '-O', '^has_journal', img]);
  } catch (e) {
    log(`no ext4 image (mkfs.ext4: ${(e as Error).message}); the ext4 cases will say so`);
    return null;
  }
  return readFileSync(img);
}

/** The lines between `==pinbench== begin NAME` and `==pinbench== end NAME`. */
export function serialSections(text: string): { sections: Map<string, string[]>; done: boolean } {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  let done = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(SECTION_BEGIN)) {
      current = [];
      sections.set(line.slice(SECTION_BEGIN.length).trim(), current);
    } else if (line.startsWith(SECTION_END)) current = null;
    else if (line === SECTION_DONE) done = true;
    else current?.push(line);
  }
  return { sections, done };
}

export async function recordKernel(opts: RecordOptions, signal?: AbortSignal): Promise<Recording> {
  const t0 = Date.now();
  const image = await fetchKernel(opts.kernel, {
    cache: opts.cache,
    ...(opts.modules ? { modules: opts.modules } : {}),
    log: opts.log,
  });
  const t1 = Date.now();
  opts.log(
    `kernel ${image.release} (${image.packages.map((p) => `${p.pkg} ${p.version}`).join(', ') || image.vmlinuz})`,
  );
  const config = readKernelConfig(image.config);

  const work = mkdtempSync(join(tmpdir(), 'pinbench-record-'));
  try {
    const workload = await buildWorkload(opts.cache);
    const modules = image.modulesDir ? collectModules(image.modulesDir) : [];
    const ext4 = await ext4Image(work, opts.log);
    const facts = [
      // cma= and migration= the workload reads from the running kernel itself.
      'pte_special=1',
      `spec=${image.spec} packages="${image.packages.map((p) => `${p.pkg}=${p.version}`).join(',')}"`,
      `proc_mem_force=${procMemForce(image.config ? config : null)}`,
      '',
    ].join('\n');
    const entries: CpioEntry[] = [
      ...['bin', 'dev', 'proc', 'sys', 'tmp', 'mnt', 'lib', 'lib/modules'].map((d) => ({
        path: d,
        mode: 0o040755,
      })),
      {
        path: 'init',
        mode: 0o100755,
        data: Buffer.from(
          guestInit({
            modules: modules.map((m) => m.name),
            workloadArgs: opts.cases ? ['--cases', opts.cases] : [],
          }),
        ),
      },
      { path: 'bin/busybox', mode: 0o100755, data: readFileSync(BUSYBOX) },
      { path: 'pinbench', mode: 0o100755, data: readFileSync(workload) },
      { path: 'facts', mode: 0o100644, data: Buffer.from(facts) },
      ...modules.map((m) => ({ path: `lib/modules/${m.name}.ko`, mode: 0o100644, data: m.bytes })),
      ...(ext4 ? [{ path: 'ext4.img', mode: 0o100644, data: ext4 }] : []),
    ];
    const initrd = join(work, 'initramfs.cpio.gz');
    writeFileSync(initrd, gzipSync(cpioNewc(entries), { level: 1 }));
    const t2 = Date.now();

    const append = [
      'console=ttyS0',
      'panic=-1',
      'loglevel=5',
      'intel_iommu=on',
      'intremap=off',
      // Under TCG on a loaded host the IO-APIC timer check can fail before the clock is calibrated
      // ("IO-APIC + timer doesn't work!" panic, seen booting 6.12 beside other jobs): skip it.
      'no_timer_check',
      `hugepages=${HUGEPAGES}`,
      opts.append ?? '',
    ]
      .join(' ')
      .trim();
    const consoleFile = join(work, 'console.txt');
    const dataFile = join(work, 'data.txt');
    opts.log(`booting under qemu (${opts.accel ?? 'tcg'}): ${append}`);
    const boot = await bootQemu(
      {
        kernel: image.vmlinuz,
        initrd,
        append,
        consoleFile,
        dataFile,
        timeoutMs: opts.timeoutMs ?? 600_000,
        ...(opts.accel ? { accel: opts.accel } : {}),
      },
      signal,
    );
    const consoleText = existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : '';
    const data = existsSync(dataFile) ? readFileSync(dataFile, 'utf8') : '';
    const { sections, done } = serialSections(data);
    const b64 = sections.get('trace.gz.b64');
    let trace: string[] | undefined;
    try {
      trace = b64
        ? gunzipSync(Buffer.from(b64.join(''), 'base64'))
            .toString('utf8')
            .replace(/\n$/, '')
            .split('\n')
        : undefined;
    } catch {
      trace = undefined; // cut short: reported below with the console's tail
    }
    if (!done || !trace) {
      const tail = consoleText.split('\n').slice(-25).join('\n');
      throw new PinbenchError(
        'PB_IO',
        `the guest did not finish (${boot.timedOut ? `killed after ${opts.timeoutMs ?? 600_000} ms` : `qemu exit ${boot.exitCode}`}); console tail:\n${tail}`,
      );
    }
    const t3 = Date.now();
    return {
      trace: `${trace.join('\n')}\n`,
      console: consoleText,
      sidecar: {
        recorder: 'pinbench record',
        kernel: { spec: image.spec, release: image.release, packages: image.packages, config },
        append,
        cases: opts.cases ?? null,
        guest: {
          status: sections.get('status') ?? [],
          info: sections.get('info') ?? [],
          kernelWarnings: consoleText
            .split('\n')
            .filter((l) => /\b(WARNING|BUG|Oops):/.test(l))
            .map((l) => l.replace(/\r$/, '')),
        },
        timings: { fetchMs: t1 - t0, buildMs: t2 - t1, bootMs: t3 - t2, totalMs: t3 - t0 },
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
