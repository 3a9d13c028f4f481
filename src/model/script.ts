/**
 * Runs vocabulary text (`event: fields`, one per line, `#` comments) against one kernel table,
 * without ftrace prefixes or the replay engine. For model tests and quick experiments:
 *
 *   const { outcomes } = runScript(getPolicy('v6.0-rc1').ops, `
 *     pinbench_vma: start=0x1000 end=0x2000 flags=VM_READ|VM_MAYREAD|VM_MAYWRITE backing=anon
 *     pinbench_pte: addr=0x1000 pfn=zero special=1
 *     pin_user_pages: start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM
 *   `);
 */

import { EventError } from '../errors.ts';
import { applyDeclaration, callPolicy } from './dispatch.ts';
import { type CallEvent, DEFAULT_CONFIG, type ModelEvent, VOCABULARY } from './events.ts';
import type { Kernel } from './kernel.ts';
import { type KernelVersion, parseKernelVersion } from './kernel-version.ts';
import { type FinalChecks, finalChecks, type Outcome, recordWhy } from './outcome.ts';
import { parseModelEvent } from './parse-event.ts';
import { State } from './state.ts';

export function parseScript(text: string, file = 'script'): ModelEvent[] {
  const events: ModelEvent[] = [];
  let kernel: KernelVersion | null = null;
  let seq = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const colon = raw.indexOf(': ');
    const name = (colon < 0 ? trimmed.replace(/:$/, '') : raw.slice(0, colon)).trim();
    if (!VOCABULARY.has(name)) {
      throw new EventError('PB_EVENT_UNKNOWN', `'${name}' is not a pinbench event`, {
        location: { file, line: i + 1, col: 1 },
      });
    }
    const payload = colon < 0 ? '' : raw.slice(colon + 2);
    const ev = parseModelEvent(name, payload, {
      file,
      line: i + 1,
      text: raw,
      payloadCol: colon < 0 ? raw.length + 1 : colon + 3,
      kernel,
      seq,
      cpu: 0,
      pid: 1,
    });
    if (ev.type === 'config' && ev.config.kernel) kernel = parseKernelVersion(ev.config.kernel);
    if (ev.type === 'call') seq++;
    events.push(ev);
  }
  return events;
}

export interface ScriptRun {
  outcomes: Outcome[];
  calls: CallEvent[];
  state: State;
  final: FinalChecks;
}

/** Replays one scenario's events against one kernel (a fresh state; `pinbench_scenario` lines are ignored). */
export function runEvents(k: Kernel, events: readonly ModelEvent[]): ScriptRun {
  const state = new State({ ...DEFAULT_CONFIG });
  const outcomes: Outcome[] = [];
  const calls: CallEvent[] = [];
  for (const ev of events) {
    if (ev.type === 'call') {
      calls.push(ev);
      const o = callPolicy(k, state, ev);
      outcomes.push({ ...o, why: recordWhy(o) });
    } else applyDeclaration(state, ev);
  }
  return { outcomes, calls, state, final: finalChecks(state) };
}

export function runScript(k: Kernel, text: string): ScriptRun {
  return runEvents(k, parseScript(text));
}
