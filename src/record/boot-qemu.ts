/**
 * Boots a kernel + initramfs under qemu-system-x86_64 (TCG: nested KVM does not work on the
 * machines this was built on) with the console on the first serial port and the data channel on
 * the second, each captured to a file. q35 + intel-iommu + pci-testdev give the guest a device it
 * can hand to vfio-pci. qemu is killed at the deadline or when the caller aborts.
 */
import { spawn } from 'node:child_process';
import { PinbenchError } from '../errors.ts';

export interface BootOptions {
  kernel: string;
  initrd: string;
  append: string;
  consoleFile: string;
  dataFile: string;
  timeoutMs: number;
  accel?: 'tcg' | 'kvm';
  memoryMiB?: number;
  cpus?: number;
}

export interface BootResult {
  exitCode: number | null;
  timedOut: boolean;
  wallMs: number;
}

export function qemuArgs(o: BootOptions): string[] {
  // One TCG thread for both vCPUs: with a thread per vCPU (qemu's default on x86 hosts), a vCPU
  // can run a stale translation of code another vCPU just live-patched, and the kernel Oopses on
  // an int3 its text_poke has already removed (6.12 died so at boot in sched_clock_cpu, once in a
  // CI run of ~12 boots). The workload is single-threaded, so this costs nothing measurable: three
  // trixie recordings each way took 20.4-23.9 s single, 19.8-22.4 s multi, and recorded the same.
  const accel =
    o.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=single', '-cpu', 'max'];
  return [
    '-machine',
    'q35',
    ...accel,
    '-m',
    String(o.memoryMiB ?? 1024),
    '-smp',
    String(o.cpus ?? 2),
    '-nodefaults',
    '-no-reboot',
    '-display',
    'none',
    '-monitor',
    'none',
    '-device',
    'intel-iommu',
    '-device',
    'pci-testdev',
    '-serial',
    `file:${o.consoleFile}`,
    '-serial',
    `file:${o.dataFile}`,
    '-kernel',
    o.kernel,
    '-initrd',
    o.initrd,
    '-append',
    o.append,
  ];
}

export function bootQemu(o: BootOptions, signal?: AbortSignal): Promise<BootResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let stderr = '';
    const child = spawn('qemu-system-x86_64', qemuArgs(o), { stdio: ['ignore', 'ignore', 'pipe'] });
    let timedOut = false;
    const kill = (): void => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    const onExit = (): void => kill();
    process.once('exit', onExit);
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      reject(new PinbenchError('PB_IO', `cannot run qemu-system-x86_64: ${e.message}`, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      signal?.removeEventListener('abort', kill);
      if (code !== 0 && !timedOut && stderr.trim()) {
        reject(new PinbenchError('PB_IO', `qemu-system-x86_64 exited ${code}: ${stderr.trim()}`));
        return;
      }
      resolve({ exitCode: code, timedOut, wallMs: Date.now() - started });
    });
  });
}
