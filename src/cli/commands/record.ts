/**
 * `pinbench record --kernel <debian:SUITE|debian:X.Y|bzImage> [--modules DIR] [--append ARGS]
 * [--cases LIST] [-o out.trace]`: boots a real kernel under qemu, runs pinbench's workload on it
 * and writes the trace (plus `<out>.json`, the sidecar). The work is `recordKernel()`
 * (src/record/); this parses, prints progress to stderr and writes the files.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sidecarPath } from '../../api/fidelity.ts';
import { UsageError } from '../../errors.ts';
import { cacheDir, fetchKernel } from '../../record/fetch-kernel.ts';
import { parseKernelSpec } from '../../record/kernel-spec.ts';
import { recordKernel } from '../../record/record-kernel.ts';
import { escapeTerminal } from '../../terminal-text.ts';
import { bool, type Command, int, str } from '../command.ts';
import { statusLineFor } from '../progress.ts';

export const recordCommand: Command = {
  name: 'record',
  summary: 'Boot a real (Debian) kernel under qemu, run the pinning workload and write its trace',
  details: `
--kernel names the kernel: debian:bullseye, debian:bookworm, debian:trixie or debian:sid (that
suite's current kernel, security updates included), debian:X.Y (the newest Debian package of that
series, e.g. debian:7.2), or the path of a bzImage (then --modules DIR gives its lib/modules/<ver>).
Packages are fetched with apt-get download through a private apt state and cached by SHA256 under
$PINBENCH_CACHE (default ~/.cache/pinbench). Needs qemu-system-x86_64, busybox-static, gcc (static
glibc), dpkg-deb, xz and mkfs.ext4 on the host.

The trace is the guest's tracefs trace: kprobe/kretprobe and tracepoint lines on the pinning paths
and the workload's pinbench-vocabulary markers (state, calls with the kernel's own return as ret=).
<out>.json holds the exact package versions, the boot command line, what the guest could set up
(modules, probes skipped as inlined, VFIO group) and the timings. --cases takes a comma list of
case names (io_uring.zero_ro), apis (io_uring, vfio_ro, vfio_rw, pvm_readv, pvm_writev) or
mappings (zero_ro, zero_rw, anon, memfd, shm, ext4_shared, ext4_private, hugetlb, thp).

Exit codes: 0 recorded; 2 bad options; 3 the kernel could not be fetched or the guest failed.`,
  options: {
    kernel: {
      type: 'string',
      arg: 'SPEC',
      description: 'debian:<suite>, debian:<X.Y> or a bzImage path (required)',
    },
    modules: {
      type: 'string',
      arg: 'DIR',
      description: 'Modules directory of a bzImage (lib/modules/<ver>)',
    },
    append: { type: 'string', arg: 'ARGS', description: 'Extra kernel command line, e.g. "movablecore=50%"' },
    cases: {
      type: 'string',
      arg: 'LIST',
      description: 'Comma list of cases, apis or mappings (default: all)',
    },
    output: {
      type: 'string',
      short: 'o',
      arg: 'FILE',
      description:
        'Trace file to write, gzipped when it ends in .gz; the sidecar is FILE.json without .gz (default: stdout)',
    },
    timeout: { type: 'string', arg: 'SECONDS', description: 'Kill qemu after this long', default: '600' },
    kvm: { type: 'boolean', description: 'Use KVM instead of TCG (needs working /dev/kvm)' },
    'fetch-only': {
      type: 'boolean',
      description: 'Fetch and unpack the kernel into the cache, print it, boot nothing',
    },
  },
  async run(values, _positionals, io) {
    const kernel = str(values, 'kernel');
    if (!kernel) throw new UsageError('--kernel is required (e.g. --kernel debian:trixie)');
    const spec = parseKernelSpec(kernel);
    const timeout = int(values, 'timeout') ?? 600;
    const out = str(values, 'output');
    // On a terminal, a status line under the log: the latest step and the time since the start.
    // It ends before anything else is written: the trace may go to the same terminal.
    let status = statusLineFor(io, { json: false, label: 'record' });
    const settle = (): void => {
      status?.end();
      status = null;
    };
    const log = (line: string): void => {
      if (!status) {
        io.stderr.write(`record: ${line}\n`);
        return;
      }
      status.message(`record: ${line}`);
      status.phase(escapeTerminal(line.length > 60 ? `${line.slice(0, 57)}...` : line));
    };
    if (bool(values, 'fetch-only')) {
      const image = await fetchKernel(spec, {
        cache: cacheDir(io.env),
        log,
        ...(str(values, 'modules') ? { modules: resolve(io.cwd, str(values, 'modules')!) } : {}),
      }).finally(settle);
      io.stdout.write(
        `${image.release} ${image.packages.map((p) => `${p.pkg}=${p.version}`).join(' ')} ${image.vmlinuz}\n`,
      );
      return 0;
    }
    const append = str(values, 'append');
    const cases = str(values, 'cases');
    const modules = str(values, 'modules');
    const rec = await recordKernel({
      kernel: spec,
      cache: cacheDir(io.env),
      timeoutMs: timeout * 1000,
      log,
      ...(append ? { append } : {}),
      ...(cases ? { cases } : {}),
      ...(modules ? { modules: resolve(io.cwd, modules) } : {}),
      ...(bool(values, 'kvm') ? { accel: 'kvm' as const } : {}),
    }).finally(settle);
    if (out) {
      const path = resolve(io.cwd, out);
      const side = sidecarPath(path);
      writeFileSync(path, path.endsWith('.gz') ? gzipSync(rec.trace) : rec.trace);
      writeFileSync(side, `${JSON.stringify(rec.sidecar, null, 2)}\n`);
      log(`wrote ${path} (${rec.trace.split('\n').length - 1} lines) and ${side}`);
    } else {
      io.stdout.write(rec.trace);
    }
    const t = rec.sidecar.timings;
    log(
      `fetch ${(t.fetchMs / 1000).toFixed(1)} s, initramfs ${(t.buildMs / 1000).toFixed(1)} s, boot+workload ${(t.bootMs / 1000).toFixed(1)} s`,
    );
    return 0;
  },
};
