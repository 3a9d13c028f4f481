/**
 * Background records of a busy machine, interleaved with the scenarios: scheduler switches and
 * wakeups, interrupts, page allocations, KVM exits, workqueues, slab, io_uring tracepoints, shell
 * writes to trace_marker (plain text, atrace `B|pid|name`, a foreign `pinbench:` marker), kprobe
 * and kretprobe lines (some named like vocabulary calls, which never makes them model events),
 * and function-tracer lines when the tracer is `function`. Payloads are modelled on the shipped
 * traces and the real recordings in traces/real/.
 *
 * Every random draw is independent of the layout, so one seed gives the same records in every
 * layout; only their text differs (trace-cmd's sched_switch plugin, `<--` for functions).
 */
import type { Layout } from '../ingest/trace-record.ts';
import type { Prng } from './prng.ts';

export interface Task {
  comm: string;
  pid: number;
  cpu: number;
}

/** A record before it has a time. `func`/`parent` make a function-tracer line. */
export interface NoiseRecord {
  task: Task;
  flags: string;
  event: string;
  payload: string;
  marker?: boolean;
  func?: { name: string; parent: string };
}

const hex16 = (r: Prng): string => `00000000${r.next().toString(16).padStart(8, '0')}`;
const kaddr = (r: Prng): string => `0xffffffff8${(0x1000000 + r.int(0xefffff)).toString(16)}`;

/** The tasks of a machine with `cpus` CPUs (pids below 2000: scenario tasks use 2000 and up). */
export function backgroundTasks(r: Prng, cpus: number): Task[] {
  const tasks: Task[] = [];
  for (let c = 0; c < cpus; c++) {
    tasks.push({ comm: '<idle>', pid: 0, cpu: c });
    tasks.push({ comm: `kworker/${c}:1`, pid: 100 + c * 7 + r.int(7), cpu: c });
  }
  const any = (): number => r.int(cpus);
  tasks.push(
    { comm: 'rcu_sched', pid: 15, cpu: any() },
    { comm: 'khugepaged', pid: 48, cpu: any() },
    { comm: 'systemd-journal', pid: 300 + r.int(50), cpu: any() },
    { comm: 'sshd', pid: 1000 + r.int(100), cpu: any() },
    { comm: 'CPU 0/KVM', pid: 1200 + r.int(100), cpu: any() },
    { comm: 'kworker/u8:2-ev', pid: 1400 + r.int(50), cpu: any() },
    { comm: 'gmain', pid: 1500 + r.int(50), cpu: any() },
    { comm: 'bash', pid: 1600 + r.int(100), cpu: any() },
    { comm: 'fio', pid: 1700 + r.int(100), cpu: any() },
    { comm: 'gup_test', pid: 1800 + r.int(100), cpu: any() },
    { comm: '<...>', pid: 1900 + r.int(99), cpu: any() },
  );
  return tasks;
}

type Kind =
  | 'switch'
  | 'wakeup'
  | 'irq'
  | 'alloc'
  | 'free'
  | 'kvm'
  | 'workqueue'
  | 'kmalloc'
  | 'io_uring'
  | 'shell'
  | 'kprobe'
  | 'unmapped'
  | 'migrate'
  | 'function';

const KINDS: readonly (readonly [number, Kind])[] = [
  [14, 'switch'],
  [6, 'wakeup'],
  [6, 'irq'],
  [10, 'alloc'],
  [4, 'free'],
  [6, 'kvm'],
  [5, 'workqueue'],
  [5, 'kmalloc'],
  [4, 'io_uring'],
  [3, 'shell'],
  [4, 'kprobe'],
  [3, 'unmapped'],
  [1, 'migrate'],
  [5, 'function'],
];

const SHELL_TEXT = [
  'hello from the shell',
  'starting fio run',
  'pinbench: start pid=1234 pagesize=4096 npages=4 marker=yes',
  'PINBENCH step=1 op=pin addr=0x7f3a1c000000',
  'B|1234|setup',
  'E|1234',
  'C|1234|pinned_pages|4',
  'note: case=zero_ro "read-faulted only" (zero page) flags=MAP_PRIVATE|MAP_ANONYMOUS',
];

const FUNCS: readonly [string, string][] = [
  ['lru_add_drain_per_cpu', 'process_one_work'],
  ['rcu_core', 'handle_softirqs'],
  ['gup_fast_fallback', 'pin_user_pages_fast'],
  ['irq_enter_rcu', 'sysvec_apic_timer_interrupt'],
  ['folio_mark_accessed', 'follow_page_pte'],
  ['try_grab_folio', 'follow_page_pte'],
];

/**
 * One background record. `task` is drawn from `tasks`; `functionTracer` allows function lines.
 * `layout` changes only the text of a record, never which record it is.
 */
export function noiseRecord(
  r: Prng,
  tasks: readonly Task[],
  layout: Layout,
  functionTracer: boolean,
): NoiseRecord {
  const kind = r.weighted(KINDS);
  const t = tasks[r.int(tasks.length)]!;
  const report = layout === 'trace-cmd-report';
  switch (kind) {
    case 'switch': {
      let next = tasks[r.int(tasks.length)]!;
      if (next.pid === t.pid)
        next = t.pid === 0 ? tasks[tasks.length - 2]! : { comm: '<idle>', pid: 0, cpu: t.cpu };
      const nextComm = next.pid === 0 ? `swapper/${t.cpu}` : next.comm;
      const prevComm = t.pid === 0 ? `swapper/${t.cpu}` : t.comm;
      const state = t.pid === 0 ? 'R' : r.pick(['S', 'R', 'D']);
      const payload = report
        ? `${prevComm}:${t.pid} [120] ${state} ==> ${nextComm}:${next.pid} [120]`
        : `prev_comm=${prevComm} prev_pid=${t.pid} prev_prio=120 prev_state=${state} ==> next_comm=${nextComm} next_pid=${next.pid} next_prio=120`;
      return { task: t, flags: 'd..2.', event: 'sched_switch', payload };
    }
    case 'wakeup': {
      let w = tasks[r.int(tasks.length)]!;
      if (w.pid === 0) w = tasks[tasks.length - 1]!;
      return {
        task: t,
        flags: r.pick(['d..2.', 'dNh2.', 'd.s3.']),
        event: 'sched_wakeup',
        payload: `comm=${w.comm} pid=${w.pid} prio=120 target_cpu=${String(w.cpu).padStart(3, '0')}`,
      };
    }
    case 'irq': {
      const irq = r.pick([27, 11, 24, 30]);
      return r.chance(0.5)
        ? { task: t, flags: 'd.h1.', event: 'irq_handler_entry', payload: `irq=${irq} name=virtio1-input.0` }
        : { task: t, flags: 'd.h1.', event: 'irq_handler_exit', payload: `irq=${irq} ret=handled` };
    }
    case 'alloc': {
      const huge = r.chance(0.3);
      const pfn = huge ? (0x100000 + r.int(0x300) * 0x200) * 1 : 0x100000 + r.int(0x300000);
      return {
        task: t,
        flags: '.....',
        event: 'mm_page_alloc',
        payload: `page=${hex16(r)} pfn=0x${pfn.toString(16)} order=${huge ? 9 : 0} migratetype=${r.int(2)} gfp_flags=${huge ? 'GFP_TRANSHUGE|__GFP_THISNODE' : r.pick(['GFP_HIGHUSER_MOVABLE|__GFP_COMP', 'GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP', 'GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP'])}`,
      };
    }
    case 'free':
      return {
        task: t,
        flags: '.....',
        event: 'mm_page_free',
        payload: `page=${hex16(r)} pfn=0x${(0x100000 + r.int(0x300000)).toString(16)} order=0`,
      };
    case 'kvm': {
      const rip = kaddr(r);
      return r.chance(0.5)
        ? {
            task: t,
            flags: 'd..1.',
            event: 'kvm_exit',
            payload: `vcpu 0 reason ${r.pick(['HLT', 'EXTERNAL_INTERRUPT', 'MSR_WRITE', 'EPT_VIOLATION'])} rip ${rip} info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000`,
          }
        : { task: t, flags: 'd..1.', event: 'kvm_entry', payload: `vcpu 0, rip ${rip}` };
    }
    case 'workqueue': {
      const fn = r.pick(['vmstat_update', 'lru_add_drain_per_cpu', 'flush_to_ldisc']);
      return {
        task: t,
        flags: '.....',
        event: r.chance(0.5) ? 'workqueue_execute_start' : 'workqueue_execute_end',
        payload: `work struct ${hex16(r)}: function ${fn}`,
      };
    }
    case 'kmalloc': {
      const site = r.pick([
        'load_elf_phdrs+0x49/0xc0',
        'lsm_blob_alloc+0x3b/0x60',
        'io_sqe_buffer_register+0x1a4/0x6a0',
      ]);
      return r.chance(0.6)
        ? {
            task: t,
            flags: '.....',
            event: 'kmalloc',
            payload: `call_site=${site} ptr=${hex16(r)} bytes_req=${8 + r.int(1000)} bytes_alloc=1024 gfp_flags=GFP_KERNEL node=-1 accounted=false`,
          }
        : { task: t, flags: '.....', event: 'kfree', payload: `call_site=${site} ptr=${hex16(r)}` };
    }
    case 'io_uring': {
      const ring = hex16(r);
      const which = r.int(3);
      if (which === 0)
        return {
          task: t,
          flags: '.....',
          event: 'io_uring_submit_req',
          payload: `ring ${ring}, req ${hex16(r)}, user_data 0x${r.int(256).toString(16)}, opcode READ_FIXED, flags 0x0, sq_thread 0`,
        };
      if (which === 1)
        return {
          task: t,
          flags: '...1.',
          event: 'io_uring_complete',
          payload: `ring ${ring}, req ${hex16(r)}, user_data 0x0, result 4096, cflags 0x0 extra1 0 extra2 0`,
        };
      return {
        task: t,
        flags: '.....',
        event: 'io_uring_register',
        payload: `ring ${ring}, opcode ${r.int(2)}, nr_user_files 0, nr_user_bufs ${r.int(5)}, ret ${r.pick([0, 0, -14])}`,
      };
    }
    case 'shell': {
      // Someone at a shell: `echo ... > /sys/kernel/tracing/trace_marker`.
      const shell = tasks.find((x) => x.comm === 'bash') ?? t;
      return {
        task: shell,
        flags: '.....',
        event: 'tracing_mark_write',
        payload: r.pick(SHELL_TEXT),
        marker: true,
      };
    }
    case 'kprobe': {
      const which = r.int(4);
      const page = `0xffd4000000${(0x100000 + r.int(0xeffff)).toString(16)}`;
      if (which === 0)
        return {
          task: t,
          flags: '.....',
          event: 'try_grab_page',
          payload: `(try_grab_page+0x0/0x120) page=${page} flags=0x50001 pflags=0x17ffffc0000000 mapcount=0 refcount=${1 + r.int(3)}`,
        };
      if (which === 1)
        return {
          task: t,
          flags: '.....',
          event: '__gup_longterm_locked_ret',
          payload: `([unknown/kretprobe'd] <- __gup_longterm_locked) ret=${r.pick([-14, 4, 1])}`,
        };
      if (which === 2)
        return {
          task: t,
          flags: '.....',
          event: 'pin_user_pages_fast',
          payload: `(pin_user_pages_fast+0x0/0x90) start=0x7f${r.int(0xfffffff).toString(16).padStart(7, '0')}000 nr_pages=0x${(1 + r.int(8)).toString(16)} gup_flags=0x50001`,
        };
      return {
        task: t,
        flags: '.....',
        event: 'pin_user_pages_fast_ret',
        payload: `(iov_iter_extract_pages+0x1c4/0x3a0 <- pin_user_pages_fast) ret=${r.pick([4, 1, -14])}`,
      };
    }
    case 'unmapped': {
      const addr = 0x7f0000000000 + r.int(0xffffff) * 0x1000;
      return {
        task: t,
        flags: '.....',
        event: 'vm_unmapped_area',
        payload: `addr=0x${addr.toString(16)} err=0 total_vm=0x${(0x40 + r.int(0x200)).toString(16)} flags=0x1 len=0x${((1 + r.int(8)) * 0x1000).toString(16)} lo=0x1000 hi=0x7ffff7fff000 mask=0x0 ofs=0x0`,
      };
    }
    case 'migrate':
      return {
        task: t,
        flags: 'd..2.',
        event: 'sched_migrate_task',
        payload: `comm=${t.comm} pid=${t.pid} prio=120 orig_cpu=${t.cpu} dest_cpu=${r.int(8)}`,
      };
    case 'function': {
      const [name, parent] = FUNCS[r.int(FUNCS.length)]!;
      if (!functionTracer)
        return {
          task: t,
          flags: '.....',
          event: 'mm_page_free',
          payload: `page=${hex16(r)} pfn=0x${(0x100000 + r.int(0x300000)).toString(16)} order=0`,
        };
      return {
        task: t,
        flags: r.pick(['.....', '...1.', 'd..1.']),
        event: 'function',
        payload: '',
        func: { name, parent },
      };
    }
  }
}
