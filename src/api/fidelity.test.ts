/**
 * fidelity's refcount effects: the first grabbed page's _refcount at the grab (try_grab_folio()
 * entry) and at its release (gup_put_folio() entry) against the model's refcount change, on small
 * traces in the layout `pinbench record` writes (tracefs text, probes beside the markers).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fidelity } from './fidelity.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinbench-fidelity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ts = 0;
function line(event: string, payload: string): string {
  ts += 0.001;
  return `        pinbench-185     [001] .....    ${(64 + ts).toFixed(6)}: ${event}: ${payload}`;
}
const mark = (text: string) => line('tracing_mark_write', `pinbench: ${text}`);
const A = '0x7faf357a5000';
const PAGE = '0xffefb96bc019da40';

/** A process_vm_writev-style pin of one written anon page, released with the given _refcount. */
function trace(refcountAtRelease: number, grabRefs = 'refs=1'): string {
  return `${[
    '# tracer: nop',
    mark('pinbench_config kernel=6.12.118+deb13-amd64 arch=x86_64 zero_pfn=0x2cf3e lock_cap=1 cma=0'),
    mark('pinbench_scenario name=pvm_writev.anon title="t"'),
    mark(
      `pinbench_vma mm=1 start=${A} end=0x7faf357a6000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC|VM_ACCOUNT backing=anon`,
    ),
    mark('pinbench_page pfn=0x4b70 zone=DMA32 kind=anon order=0 refcount=2 mapcount=1 flags=exclusive,lru'),
    mark(`pinbench_pte mm=1 addr=${A} pfn=0x4b70 level=pte special=0 write=1 dirty=1`),
    mark(`pin_user_pages_remote mm=1 start=${A} nr_pages=1 gup_flags=FOLL_WRITE locked=1 pages=1`),
    line('try_grab_folio', `(try_grab_folio+0x4/0x90) page=${PAGE} ${grabRefs} flags=0x290001 refcount=2`),
    line('pin_user_pages_remote_ret', '(process_vm_rw_core+0x1/0x2 <- pin_user_pages_remote) ret=1'),
    mark('unpin_user_pages_dirty_lock of=0 make_dirty=1'),
    line(
      'gup_put_folio',
      `(gup_put_folio+0x0/0xa0) folio=${PAGE} refs=1 flags=0x80000 refcount=${refcountAtRelease}`,
    ),
  ].join('\n')}\n`;
}

describe('fidelity: refcount effects', () => {
  it('a pin the kernel shows as +1024 on a small page agrees with the model', async () => {
    const path = join(dir, 'agree.trace');
    writeFileSync(path, trace(1026));
    const r = await fidelity([path], []);
    expect(r.cells).toHaveLength(1);
    expect(r.cells[0]).toMatchObject({
      event: 'pin_user_pages_remote',
      observed: 1,
      model: 1,
      agree: true,
      effects: [{ what: 'refcount', kernel: 1024, model: 1024 }],
    });
  });

  it('a reference the model does not take is a disagreement even when the returns agree', async () => {
    const path = join(dir, 'extra.trace');
    writeFileSync(path, trace(1027));
    const r = await fidelity([path], []);
    expect(r.cells[0]).toMatchObject({ observed: 1, model: 1, agree: false });
    expect(r.cells[0]!.effects).toEqual([{ what: 'refcount', kernel: 1025, model: 1024 }]);
    expect(r.unexpected).toHaveLength(1);
    // Listed with its effect, it is known; listed without, it is not.
    const known = {
      series: '6.12',
      boot: 'plain',
      scenario: 'pvm_writev.anon',
      seq: 0,
      event: 'pin_user_pages_remote',
      observed: 1,
      model: 1,
      release: 'v6.12',
      why: 'test',
      source: [],
    };
    const listed = await fidelity(
      [path],
      [{ ...known, effect: { what: 'refcount', kernel: 1025, model: 1024 } }],
    );
    expect(listed.unexpected).toEqual([]);
    expect(listed.known).toHaveLength(1);
    expect((await fidelity([path], [known])).unexpected).toHaveLength(1);
  });

  it('no release probe after the grab: no refcount evidence, the return alone decides', async () => {
    const path = join(dir, 'noprobe.trace');
    writeFileSync(
      path,
      trace(1026)
        .split('\n')
        .filter((l) => !l.includes('gup_put_folio:'))
        .join('\n'),
    );
    const r = await fidelity([path], []);
    expect(r.cells[0]).toMatchObject({ agree: true });
    expect(r.cells[0]!.effects).toBeUndefined();
  });
});

describe('fidelity: the recorded gup_flags against the GUP function entry probe', () => {
  /** The same pin with the kernel's entry probe of pin_user_pages_remote() showing `raw`. */
  const withEntry = (raw: string) =>
    trace(1026).replace(
      /(\n[^\n]*try_grab_folio: )/,
      `\n${line('pin_user_pages_remote', `(pin_user_pages_remote+0x4/0x80) mm=0xffff0001 start=${A} nr_pages=1 gup_flags=${raw}`)}$1`,
    );

  it('flags the kernel was called with as the trace says agree (6.12 numbering: FOLL_WRITE 0x1)', async () => {
    const path = join(dir, 'flags-agree.trace');
    writeFileSync(path, withEntry('0x1'));
    const r = await fidelity([path], []);
    expect(r.cells[0]!.agree).toBe(true);
    expect(r.cells[0]!.effects).toContainEqual({ what: 'gup_flags', kernel: 1, model: 1 });
  });

  it('a call the kernel made with other flags than the trace says is a disagreement', async () => {
    // FOLL_WRITE|FOLL_FORCE (0x9 from 6.3): the trace's FOLL_WRITE alone would replay another call.
    const path = join(dir, 'flags-differ.trace');
    writeFileSync(path, withEntry('0x9'));
    const r = await fidelity([path], []);
    expect(r.cells[0]).toMatchObject({ observed: 1, model: 1, agree: false });
    expect(r.cells[0]!.effects).toContainEqual({ what: 'gup_flags', kernel: 9, model: 1 });
    expect(r.unexpected).toHaveLength(1);
  });
});

describe("fidelity: pages migrated for a long-term pin against the kernel's mm_migrate_pages", () => {
  // An io_uring registration of one ZONE_MOVABLE anon page as Debian's 6.12.118 records it
  // (movablecore=50%): the kernel migrates it out first (nr_succeeded=1, reason=longterm_pin).
  const B = '0x7fe3f62e7000';
  const registration = (migration: 0 | 1) =>
    `${[
      '# tracer: nop',
      mark(
        `pinbench_config kernel=6.12.118+deb13-amd64 arch=x86_64 zero_pfn=0x2cf3e lock_cap=1 cma=0 migration=${migration}`,
      ),
      mark('pinbench_scenario name=io_uring.anon title="t"'),
      mark(
        `pinbench_vma mm=1 start=${B} end=0x7fe3f62e8000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC|VM_ACCOUNT backing=anon`,
      ),
      mark(
        'pinbench_page pfn=0x21c56 nr=1 zone=Movable kind=anon order=0 refcount=2 mapcount=1 flags=exclusive,swapbacked isolatable=1',
      ),
      mark(`pinbench_pte mm=1 addr=${B} pfn=0x21c56 level=pte special=0 write=1 dirty=0`),
      line('mm_migrate_pages_start', 'mode=MIGRATE_SYNC reason=longterm_pin'),
      line(
        'mm_migrate_pages',
        'nr_succeeded=1 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=longterm_pin',
      ),
      mark(`io_uring_register_buffers mm=1 addr=${B} len=4096 ret=0`),
    ].join('\n')}\n`;
  const write = (name: string, migration: 0 | 1, traced: boolean) => {
    const path = join(dir, `${name}.trace`);
    writeFileSync(path, registration(migration));
    const status = traced ? ['tracepoint migrate/mm_migrate_pages enabled'] : [];
    writeFileSync(`${path}.json`, JSON.stringify({ guest: { status } }));
    return path;
  };

  it('a model that migrates the page as the kernel did agrees', async () => {
    const r = await fidelity([write('migrates', 1, true)], []);
    expect(r.cells[0]).toMatchObject({
      event: 'io_uring_register_buffers',
      observed: 0,
      model: 0,
      agree: true,
    });
    expect(r.cells[0]!.effects).toContainEqual({ what: 'migrated', kernel: 1, model: 1 });
  });

  it('pinned in place where the kernel migrated (a recording that says migration=0): a disagreement', async () => {
    const r = await fidelity([write('in-place', 0, true)], []);
    expect(r.cells[0]).toMatchObject({ observed: 0, model: 0, agree: false });
    expect(r.cells[0]!.effects).toContainEqual({ what: 'migrated', kernel: 1, model: 0 });
  });

  it('a guest that did not trace mm_migrate_pages gives no migration evidence', async () => {
    const r = await fidelity([write('untraced', 0, false)], []);
    expect(r.cells[0]!.agree).toBe(true);
    expect(r.cells[0]!.effects ?? []).not.toContainEqual(expect.objectContaining({ what: 'migrated' }));
  });
});
