import { describe, expect, it } from 'vitest';
import type { Outcome } from '../model/outcome.ts';
import { abstractOutcomes, callShape, divergenceKind, pageCategory } from './divergence-kind.ts';

function outcome(o: Partial<Omit<Outcome, 'why'>>): Omit<Outcome, 'why'> {
  return { ret: 0, pages: [], refs: {}, pins: {}, lockedVm: 0, special: false, warn: [], warnings: 0, ...o };
}

const LINE =
  '  gvt:rcs0-812  [001] .....  3344.001837: vfio_map_dma: container=1 mm=2 iova=0x100000000 vaddr=0x7f80a0000000 size=0x1000 flags=READ|WRITE';

describe('divergenceKind', () => {
  it('abstracts pages, pfns, addresses and counts', () => {
    const a = divergenceKind({
      event: 'vfio_map_dma',
      text: LINE,
      classes: [
        { outcome: outcome({ ret: 0, pages: ['0x1000'], refs: { '0x1000': 1 } }) },
        { outcome: outcome({ ret: 'livelock' }) },
      ],
    });
    const b = divergenceKind({
      event: 'vfio_map_dma',
      text: LINE.replace('0x7f80a0000000', '0x7f4400000000').replace('size=0x1000', 'size=0x8000'),
      classes: [
        { outcome: outcome({ ret: 'livelock' }) },
        { outcome: outcome({ ret: 0, pages: ['0x2a', '0x2b'], refs: { '0x2a': 2, '0x2b': 3 } }) },
      ],
    });
    expect(a.kind).toMatch(/^[0-9a-f]{16}$/);
    expect(b.kind).toBe(a.kind);
    expect(a.title).toBe(
      'vfio_map_dma container mm iova vaddr size flags=READ|WRITE: ret=0 refs pfn+n vs ret=livelock',
    );
  });

  it('keeps errnos, symbolic returns, page kinds and the order of counts', () => {
    expect(
      abstractOutcomes([
        { outcome: outcome({ ret: 4, refs: { zero: 4 } }) },
        { outcome: outcome({ ret: 2, refs: { new3: 1, new7: 1 } }) },
        { outcome: outcome({ ret: -14 }) },
      ]),
    ).toEqual(['ret=-EFAULT (-14)', 'ret=n1 refs new+n', 'ret=n2 refs zero+n']);
    // counts are ranked per field: which class pinned more stays visible
    expect(
      abstractOutcomes([
        { outcome: outcome({ refs: { '0x10': 1, '0x11': 1 }, lockedVm: 1 }) },
        { outcome: outcome({ refs: { '0x10': 1 }, lockedVm: 1 }) },
      ]),
    ).toEqual(['ret=0 refs pfn+n1 locked_vm+n', 'ret=0 refs pfn+n2 locked_vm+n']);
    expect(pageCategory('new12+3')).toBe('new');
    expect(pageCategory('0xdead')).toBe('pfn');
    expect(pageCategory('zero')).toBe('zero');
  });

  it('does not change when a policy is added to a class or the classes are reordered', () => {
    const text = 'x: pinbench: pin_user_pages mm=1 start=0x7f6b4f400000 nr_pages=1 gup_flags=FOLL_LONGTERM';
    const before = divergenceKind({
      event: 'pin_user_pages',
      text,
      classes: [{ outcome: outcome({ ret: 1, refs: { zero: 1 } }) }, { outcome: outcome({ ret: -12 }) }],
    });
    const added = divergenceKind({
      event: 'pin_user_pages',
      text,
      classes: [
        { outcome: outcome({ ret: -12 }) },
        { outcome: outcome({ ret: 1, refs: { zero: 1 } }) },
        // the new policy's class: the same outcome as an existing one (compare.ts would merge it)
        { outcome: outcome({ ret: 1, refs: { zero: 1 } }) },
      ],
    });
    expect(added).toEqual(before);
    expect(before.title).toBe(
      'pin_user_pages mm start nr_pages gup_flags=FOLL_LONGTERM: ret=-ENOMEM (-12) vs ret=n refs zero+n',
    );
  });

  it('gives distinct outcome sets, events and flags distinct kinds', () => {
    const base = {
      event: 'pin_user_pages',
      text: 'pinbench: pin_user_pages mm=1 start=0x1000 nr_pages=2 gup_flags=FOLL_LONGTERM',
      classes: [{ outcome: outcome({ ret: 2 }) }, { outcome: outcome({ ret: -14 }) }],
    };
    const k = divergenceKind(base).kind;
    const kinds = [
      divergenceKind({
        ...base,
        classes: [{ outcome: outcome({ ret: 2 }) }, { outcome: outcome({ ret: -12 }) }],
      }),
      divergenceKind({
        ...base,
        classes: [{ outcome: outcome({ ret: 2, special: true }) }, base.classes[1]!],
      }),
      divergenceKind({ ...base, classes: [...base.classes, { outcome: outcome({ ret: 'BUG' }) }] }),
      divergenceKind({
        ...base,
        event: 'pin_user_pages_fast',
        text: base.text.replace('pages ', 'pages_fast '),
      }),
      divergenceKind({ ...base, text: base.text.replace('FOLL_LONGTERM', 'FOLL_WRITE') }),
      divergenceKind({
        ...base,
        classes: [
          { outcome: outcome({ ret: 2, warn: ['WARN try_grab_page refcount overflow'] }) },
          base.classes[1]!,
        ],
      }),
    ].map((x) => x.kind);
    expect(new Set([k, ...kinds]).size).toBe(kinds.length + 1);
  });

  it('reads the call shape from tracepoint and marker lines', () => {
    expect(callShape('vfio_map_dma', LINE)).toBe('container mm iova vaddr size flags=READ|WRITE');
    expect(
      callShape('unpin_user_pages', 'c-1 [002] ..: tracing_mark_write: pinbench: unpin_user_pages of=0'),
    ).toBe('of');
    expect(callShape('munmap', 'no such event here')).toBe('');
  });
});
