/**
 * `--config k=v` and `--matrix k=v1,v2` from the command line, read with the same field rules as
 * a `pinbench_config` line so a bad key or value gets the same message.
 */
import { ConfigError, isPinbenchError } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import { parseModelEvent } from '../model/parse-event.ts';

export function parseConfigOverrides(pairs: readonly string[]): Partial<TraceConfig> {
  if (pairs.length === 0) return {};
  const payload = pairs.join(' ');
  try {
    const ev = parseModelEvent('pinbench_config', payload, {
      file: '--config',
      line: 1,
      text: payload,
      payloadCol: 1,
      kernel: null,
      seq: 0,
      cpu: 0,
      pid: 0,
    });
    if (ev.type !== 'config') throw new Error('unreachable');
    return ev.config;
  } catch (e) {
    if (isPinbenchError(e)) throw new ConfigError('PB_CONFIG', e.detail);
    throw e;
  }
}

/** The cartesian product of `--matrix` axes: `pte_special=0,1 cma=0,1` gives four configurations. */
export function expandMatrix(axes: readonly string[]): { label: string; overrides: Partial<TraceConfig> }[] {
  let combos: string[][] = [[]];
  for (const axis of axes) {
    const eq = axis.indexOf('=');
    if (eq <= 0) throw new ConfigError('PB_CONFIG', `--matrix ${axis}: expected key=v1,v2`);
    const key = axis.slice(0, eq);
    const values = axis.slice(eq + 1).split(',');
    combos = combos.flatMap((c) => values.map((v) => [...c, `${key}=${v}`]));
  }
  return combos.map((pairs) => ({ label: pairs.join(' '), overrides: parseConfigOverrides(pairs) }));
}
