/**
 * Steps one policy's state over one model event: declarations change the state, calls go to the
 * policy's entry point and come back as an Outcome.
 */
import type { CallEvent, ModelEvent } from './events.ts';
import type { Kernel } from './kernel.ts';
import { type CallResult, makeOutcome, type Outcome } from './outcome.ts';
import type { State } from './state.ts';

function invoke(k: Kernel, st: State, ev: CallEvent): CallResult {
  const a = ev.args;
  switch (a.kind) {
    case 'gup':
      return k.gup(k, st, ev.name as Parameters<Kernel['gup']>[2], a);
    case 'release':
      return k.release(k, st, ev.name as Parameters<Kernel['release']>[2], a);
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
  }
}

/** Runs one call against one policy's state and returns its outcome. */
export function callPolicy(k: Kernel, st: State, ev: CallEvent): Outcome {
  st.beginCall(ev.seq);
  let result: CallResult;
  try {
    result = invoke(k, st, ev);
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
    default:
      return;
  }
}
