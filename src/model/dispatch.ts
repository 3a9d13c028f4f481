/**
 * Steps one policy's state over one model event: declarations change the state, calls go to the
 * policy's entry point and come back as an Outcome.
 *
 * The replay's own bookkeeping lives here, outside the kernel table: what each GUP call returned
 * is recorded for a later `unpin_user_pages: of=<seq>`, and `of=` is resolved into pages before
 * the release entry point runs. A policy that overrides `gup` or `release` cannot lose it.
 */
import type { CallEvent, GupArgs, ModelEvent, ReleaseArgs, ReleaseRequest } from './events.ts';
import type { Kernel } from './kernel.ts';
import { type CallResult, makeOutcome, type Outcome } from './outcome.ts';
import type { SlotTracker } from './slot-tracker.ts';
import type { State } from './state.ts';

/** Remembers what a GUP call returned, for `of=` (seq is the call's number in its scenario). */
function recordGup(st: State, ev: CallEvent, a: GupArgs, res: CallResult): void {
  st.recordCall(ev.seq, {
    pfns: [...(res.pfns ?? [])],
    pin: ev.name.startsWith('pin_'),
    released: false,
    longterm: a.gupFlags.has('FOLL_LONGTERM') && typeof res.ret === 'number' && res.ret > 0,
  });
}

/** Resolves `of=` (the pages call `of` returned) or `pfn=` into the pages a release drops. */
function resolveRelease(
  k: Kernel,
  st: State,
  ev: CallEvent,
  a: ReleaseArgs,
  tracker: SlotTracker | undefined,
): ReleaseRequest {
  if (a.of === undefined) return { ...a, pfns: [st.resolvePfn(a.pfn ?? 'zero')] };
  // A release API the policy lacks returns `unsupported` from the entry point: nothing to mark.
  // (A bare table without the slot, as a test may compose, supports every API.) The lookup is
  // reached even when the slot is absent: a table that has it would go another way.
  tracker?.mark('apiSupported');
  if (typeof k.apiSupported === 'function' && !k.apiSupported(k, st, ev.name)) return { ...a, pfns: [] };
  const rec = st.callRecord(a.of);
  if (!rec) {
    st.why(`of=${a.of}: that call returned no pages: nothing to release`);
    return { ...a, pfns: [] };
  }
  if (rec.released) st.why(`of=${a.of}: already released once: released again`);
  rec.released = true;
  return rec.longterm === undefined
    ? { ...a, pfns: rec.pfns }
    : { ...a, pfns: rec.pfns, longterm: rec.longterm };
}

function invoke(k: Kernel, st: State, ev: CallEvent, tracker: SlotTracker | undefined): CallResult {
  const a = ev.args;
  switch (a.kind) {
    case 'gup': {
      const res = k.gup(k, st, ev.name as Parameters<Kernel['gup']>[2], a);
      recordGup(st, ev, a, res);
      return res;
    }
    case 'release':
      return k.release(
        k,
        st,
        ev.name as Parameters<Kernel['release']>[2],
        resolveRelease(k, st, ev, a, tracker),
      );
    case 'vfio':
      return ev.name === 'vfio_map_dma' ? k.vfioMapDma(k, st, a) : k.vfioUnmapDma(k, st, a);
    case 'io_uring':
      return ev.name === 'io_uring_register_buffers'
        ? k.ioUringRegister(k, st, a)
        : k.ioUringUnregister(k, st, a);
    case 'insert_page':
      return k.insertPage(k, st, ev.name as Parameters<Kernel['insertPage']>[2], a);
    case 'insert_pfn':
      return k.insertPfn(k, st, ev.name as Parameters<Kernel['insertPfn']>[2], a);
    case 'lookup':
      return k.lookup(k, st, ev.name as Parameters<Kernel['lookup']>[2], a);
    case 'munmap':
      return k.munmap(k, st, a);
    case 'fork':
      return k.fork(k, st, a);
    case 'madvise':
      return k.madvise(k, st, a);
  }
}

/**
 * Runs one call against one policy's state and returns its outcome. With a `tracker`, the call
 * runs on the tracker's recording copy of `k` and the slots it invoked are added to
 * `tracker.reached` (see slot-tracker.ts; the caller resets it); without, nothing is recorded
 * and nothing is paid.
 */
export function callPolicy(k: Kernel, st: State, ev: CallEvent, tracker?: SlotTracker): Outcome {
  st.beginCall(ev.seq);
  let result: CallResult;
  try {
    result = tracker ? invoke(tracker.kernel(k), st, ev, tracker) : invoke(k, st, ev, undefined);
  } catch (e) {
    st.endCall();
    throw e;
  }
  return makeOutcome(st, result, st.endCall());
}

/** Applies a declaration (`pinbench_page`, `_vma`, `_pte`, `_config`) to a state. */
export function applyDeclaration(st: State, ev: ModelEvent): void {
  switch (ev.type) {
    case 'config':
      st.setConfig(ev.config);
      return;
    case 'page':
      st.declarePage(ev);
      return;
    case 'vma':
      st.declareVma(ev);
      return;
    case 'pte':
      st.declarePte(ev);
      return;
    case 'zone':
      st.declareZone(ev);
      return;
    case 'hugetlb':
      st.declareHugetlb(ev);
      return;
    default:
      return;
  }
}
