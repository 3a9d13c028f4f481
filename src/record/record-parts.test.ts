import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { qemuArgs } from './boot-qemu.ts';
import { bzImageRelease, splitImagePackages } from './fetch-kernel.ts';
import { guestInit, PROBES } from './guest-init.ts';
import { moduleDeps } from './kernel-modules.ts';
import { parseKernelSpec } from './kernel-spec.ts';
import { procMemForce, readKernelConfig, serialSections } from './record-kernel.ts';

describe('parseKernelSpec', () => {
  it('reads suites, series and paths', () => {
    expect(parseKernelSpec('debian:trixie')).toEqual({ kind: 'suite', suite: 'trixie' });
    expect(parseKernelSpec('debian:7.2')).toEqual({ kind: 'series', series: '7.2' });
    expect(parseKernelSpec('debian:5.10')).toEqual({ kind: 'series', series: '5.10' });
    expect(parseKernelSpec('/boot/vmlinuz-6.1')).toEqual({ kind: 'path', path: '/boot/vmlinuz-6.1' });
  });
  it('refuses an unknown suite as a usage error', () => {
    expect(() => parseKernelSpec('debian:buster')).toThrow(UsageError);
    expect(() => parseKernelSpec('debian:buster')).toThrow(/debian:<bullseye\|bookworm\|trixie\|sid>/);
  });
});

describe('moduleDeps', () => {
  it('reads depends= and softdep pre: from .modinfo strings, not from other text', () => {
    const modinfo = Buffer.from(
      'junk depends=not_this\0license=GPL\0depends=jbd2,mbcache,crc16\0softdep=pre: crc32c\0vermagic=6.12\0',
    );
    expect(moduleDeps(modinfo)).toEqual(['jbd2', 'mbcache', 'crc16', 'crc32c']);
    expect(moduleDeps(Buffer.from('\0depends=\0'))).toEqual([]);
    expect(moduleDeps(Buffer.from('\0depends=vfio-pci-core\0'))).toEqual(['vfio_pci_core']);
  });
});

describe('serialSections', () => {
  it('splits the data port into sections and notices the end marker (CRs from the UART removed)', () => {
    const text =
      'noise\r\n==pinbench== begin info\r\nuname: x\r\n==pinbench== end info\r\n==pinbench== begin trace.gz.b64\nAAA\nBBB\n==pinbench== end trace.gz.b64\n==pinbench== done\n';
    const { sections, done } = serialSections(text);
    expect(done).toBe(true);
    expect(sections.get('info')).toEqual(['uname: x']);
    expect(sections.get('trace.gz.b64')).toEqual(['AAA', 'BBB']);
    expect(serialSections('==pinbench== begin trace.gz.b64\nAAA\n').done).toBe(false);
  });
});

describe('bzImageRelease', () => {
  it('reads the release from the setup header and refuses other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-bz-'));
    try {
      const img = Buffer.alloc(0x1000);
      img.write('HdrS', 0x202, 'latin1');
      img.writeUInt16LE(0x800, 0x20e);
      img.write('6.12.118+deb13-amd64 (debian-kernel@lists.debian.org) #1 SMP\0', 0xa00, 'latin1');
      writeFileSync(join(dir, 'bz'), img);
      expect(bzImageRelease(join(dir, 'bz'))).toBe('6.12.118+deb13-amd64');
      writeFileSync(join(dir, 'not'), Buffer.alloc(0x1000));
      expect(bzImageRelease(join(dir, 'not'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('guestInit', () => {
  it('defines every probe through kallsyms, names returns <fn>_ret, and fills offsets from BTF', () => {
    const init = guestInit({ modules: ['vfio', 'ext4'], workloadArgs: ['--cases', "io_uring,it's"] });
    expect(init).toContain('for m in vfio ext4; do');
    expect(init).toContain(`'--cases' 'io_uring,it'\\''s'`);
    expect(init).toContain('/pinbench --page-offsets');
    for (const p of PROBES) {
      const [def, fn] = p.split(' ');
      if (def!.startsWith('r:')) expect(def).toBe(`r:pb/${fn}_ret`);
      else expect(def).toBe(`p:pb/${fn}`);
      expect(p).not.toMatch(/\+(48|52)\(/); // struct page offsets come from BTF, never hard-coded
    }
  });
});

describe('qemuArgs', () => {
  const base = { kernel: 'k', initrd: 'i', append: 'a', consoleFile: 'c', dataFile: 'd', timeoutMs: 1 };
  /** The `n` arguments that follow `flag`. */
  const argsAfter = (args: string[], flag: string, n: number): string[] =>
    args.slice(args.indexOf(flag) + 1, args.indexOf(flag) + 1 + n);
  it('runs TCG on one thread (a vCPU could run code another just live-patched) and KVM on the host CPU', () => {
    const tcg = qemuArgs(base);
    expect(argsAfter(tcg, '-accel', 3)).toEqual(['tcg,thread=single', '-cpu', 'max']);
    expect(argsAfter(tcg, '-smp', 1)).toEqual(['2']);
    const kvm = qemuArgs({ ...base, accel: 'kvm', cpus: 1 });
    expect(argsAfter(kvm, '-accel', 3)).toEqual(['kvm', '-cpu', 'host']);
    expect(argsAfter(kvm, '-smp', 1)).toEqual(['1']);
  });
});

describe('kernel facts the recording states', () => {
  it("fetches a split 7.x image's linux-base-<release> (config, System.map), never the scripts package", () => {
    // linux-image-7.2.13+deb14-amd64's Depends (sid, 2026-12); 6.12's image depends on `linux-base`.
    const depends = [
      'dracut',
      'linux-base-7.2.13+deb14-amd64',
      'linux-binary-7.2.13+deb14-amd64',
      'linux-modules-7.2.13+deb14-amd64',
    ];
    expect(splitImagePackages(depends)).toEqual([
      'linux-binary-7.2.13+deb14-amd64',
      'linux-modules-7.2.13+deb14-amd64',
      'linux-base-7.2.13+deb14-amd64',
    ]);
    expect(splitImagePackages(['kmod', 'linux-base', 'initramfs-tools'])).toEqual([]);
  });

  it("reads how /proc/PID/mem writes are forced from the config's CONFIG_PROC_MEM_* choice", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-config-'));
    try {
      const config = (lines: string) => {
        const path = join(dir, 'config');
        writeFileSync(path, lines);
        return readKernelConfig(path);
      };
      // Debian 7.2.13's /usr/lib/modules/7.2.13+deb14-amd64/config; 6.12.118's boot/config.
      expect(
        procMemForce(config('# CONFIG_PROC_MEM_ALWAYS_FORCE is not set\nCONFIG_PROC_MEM_FORCE_PTRACE=y\n')),
      ).toBe('ptrace');
      expect(
        procMemForce(config('CONFIG_PROC_MEM_ALWAYS_FORCE=y\n# CONFIG_PROC_MEM_FORCE_PTRACE is not set\n')),
      ).toBe('always');
      expect(procMemForce(config('CONFIG_PROC_MEM_NO_FORCE=y\n'))).toBe('never');
      // A kernel from before the choice forced every write.
      expect(procMemForce(config('CONFIG_CMA=y\n'))).toBe('always');
      expect(procMemForce(null)).toBe('unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
