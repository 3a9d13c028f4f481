/**
 * A constructed race for tie exploration and order-dependence tests: one task maps the zero page
 * read-only, then at the same timestamp on another CPU one task long-term pins it while the other
 * unmaps it. The trace leaves the order of the two open, and the outcome depends on it.
 */
const line = (task: string, cpu: number, ts: string, event: string): string =>
  `${task.padStart(16)}     [00${cpu}] .....   ${ts}: ${event}`;

/** The race as ftrace text; `config` adds fields to its pinbench_config line. */
export function unmapVsPinRace(config = ''): string {
  return `# tracer: nop\n#\n${[
    line(
      'race-100',
      0,
      '100.000000',
      `pinbench_config: arch=x86_64 pte_special=1 cma=1 migration=1 zero_pfn=0x3310${config ? ` ${config}` : ''}`,
    ),
    line('race-100', 0, '100.000001', 'pinbench_scenario: name=unmap-vs-pin'),
    line(
      'race-100',
      0,
      '100.000002',
      'pinbench_page: pfn=zero zone=DMA32 mt=Unmovable kind=zero refcount=1 flags=reserved isolatable=0 migrate=fail',
    ),
    line(
      'race-100',
      0,
      '100.000003',
      'pinbench_vma: mm=1 start=0x7f0000000000 end=0x7f0000001000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon',
    ),
    line(
      'race-100',
      0,
      '100.000004',
      'pinbench_pte: mm=1 addr=0x7f0000000000 pfn=zero level=pte special=1 write=0',
    ),
    line(
      'race-101',
      1,
      '100.000010',
      'pin_user_pages: mm=1 start=0x7f0000000000 nr_pages=1 gup_flags=FOLL_LONGTERM',
    ),
    line('race-100', 0, '100.000010', 'munmap: mm=1 addr=0x7f0000000000 len=0x1000'),
  ].join('\n')}\n`;
}
