import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../ingest/trace-record.ts';
import { EventStream, type Scenario, vocabularyOf } from './event-stream.ts';

let line = 0;
function rec(event: string, payload: string, pid = 7, cpu = 0): EventRecord {
  const text = `  task-${pid} [00${cpu}] ..... 1.000001: ${event}: ${payload}`;
  return {
    kind: 'event',
    line: ++line,
    task: 'task',
    pid,
    cpu,
    ts: { clock: 'ns', value: 1_000_001_000n, text: '1.000001' },
    event,
    payload,
    fields: {},
    payloadCol: text.length - payload.length + 1,
    text,
  };
}

function run(
  records: EventRecord[],
  file = 'dir/my-trace.trace',
): { scenarios: Scenario[]; stream: EventStream } {
  line = 0;
  const stream = new EventStream(file);
  const scenarios: Scenario[] = [];
  for (const r of records) {
    const done = stream.push(r);
    if (done) scenarios.push(done);
  }
  const last = stream.end();
  if (last) scenarios.push(last);
  return { scenarios, stream };
}

describe('EventStream', () => {
  it('events before the first pinbench_scenario form a scenario named after the file; a config preamble alone does not', () => {
    const { scenarios } = run([
      rec('pinbench_config', 'cma=0'),
      rec('pinbench_page', 'pfn=0x10'),
      rec('pinbench_scenario', 'name=second title="Second one"'),
      rec('pinbench_page', 'pfn=0x11'),
    ]);
    expect(scenarios.map((s) => [s.name, s.index, s.events.length])).toEqual([
      ['my-trace', 0, 2],
      ['second', 1, 1],
    ]);
    expect(scenarios[1]!.title).toBe('Second one');
    const alone = run([
      rec('pinbench_config', 'cma=0'),
      rec('pinbench_scenario', 'name=a'),
      rec('pinbench_page', 'pfn=1'),
    ]);
    expect(alone.scenarios.map((s) => s.name)).toEqual(['a']);
  });

  it('config carries over into later scenarios and later fields override earlier ones', () => {
    const { scenarios } = run([
      rec('pinbench_config', 'cma=0 zero_pfn=0x2000'),
      rec('pinbench_scenario', 'name=a'),
      rec('pinbench_config', 'cma=1'),
      rec('pinbench_page', 'pfn=zero'),
      rec('pinbench_scenario', 'name=b'),
      rec('pinbench_page', 'pfn=zero'),
    ]);
    expect(scenarios[0]!.config).toEqual({ cma: false, zero_pfn: 0x2000 });
    expect(scenarios[1]!.config).toEqual({ cma: true, zero_pfn: 0x2000 });
  });

  it('numbers calls per scenario from 0 and reads markers as vocabulary', () => {
    const { scenarios } = run([
      rec('pinbench_scenario', 'name=a'),
      rec('tracing_mark_write', 'pinbench: pin_user_pages start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM'),
      rec('put_page', 'pfn=zero'),
      rec('pinbench_scenario', 'name=b'),
      rec('put_page', 'pfn=zero'),
    ]);
    const seqs = scenarios.map((s) =>
      s.events.filter((e) => e.type === 'call').map((e) => (e.type === 'call' ? e.seq : -1)),
    );
    expect(seqs).toEqual([[0, 1], [0]]);
  });

  it('keeps other records as generic context, counts foreign pinbench markers, never turns probes into calls', () => {
    const { scenarios, stream } = run([
      rec('pinbench_scenario', 'name=a'),
      rec('pin_user_pages', '(pin_user_pages+0x0/0x90) arg1=0x7f00 arg2=0x4'),
      rec('tracing_mark_write', 'pinbench: case=zero_ro begin'),
      rec('sched_switch', 'prev_comm=a prev_pid=1 ==> next_comm=b next_pid=2'),
    ]);
    expect(scenarios).toEqual([]);
    expect(Object.fromEntries(stream.stats.generic)).toEqual({
      pin_user_pages: 1,
      tracing_mark_write: 1,
      sched_switch: 1,
    });
    expect(stream.stats.foreignMarkers).toBe(1);
  });

  it('a <call>_ret record from the same task is the observed return of its latest call', () => {
    const { scenarios, stream } = run([
      rec('pinbench_scenario', 'name=a'),
      rec('pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM', 7),
      rec('pin_user_pages_ret', 'ret=-14', 8),
      rec('pin_user_pages_ret', 'ret=-14', 7),
    ]);
    const call = scenarios[0]!.events[0]!;
    expect(call.type === 'call' && call.observed).toEqual({ ret: -14, line: 4 });
    expect(stream.stats.observedReturns).toBe(1);
  });

  it('foreign pinbench markers are counted in the trace-cmd print form too', () => {
    const { stream } = run([rec('print', 'tracing_mark_write: pinbench: case=zero_ro begin')]);
    expect(stream.stats.foreignMarkers).toBe(1);
  });

  it('trace-cmd print markers are markers too', () => {
    const r = rec('print', 'tracing_mark_write: pinbench: put_page pfn=0x10');
    expect(vocabularyOf(r)).toEqual({
      event: 'put_page',
      payload: 'pfn=0x10',
      payloadCol: r.payloadCol + 20 + 10 + 9,
    });
  });

  it('integrity gaps belong to the scenario being read; an overwritten header to every scenario', () => {
    line = 0;
    const stream = new EventStream('t.trace');
    stream.push({
      kind: 'integrity',
      line: 1,
      integrity: 'overwritten',
      text: '# entries-in-buffer/entries-written: 1/9',
    });
    stream.push(rec('pinbench_scenario', 'name=a'));
    stream.push({
      kind: 'integrity',
      line: 3,
      integrity: 'lost-events',
      cpu: 1,
      count: 5,
      text: 'CPU:1 [LOST 5 EVENTS]',
    });
    const a = stream.push(rec('pinbench_scenario', 'name=b'));
    stream.push(rec('put_page', 'pfn=1'));
    const b = stream.end()!;
    expect(a).toBeNull(); // scenario a had no events
    expect(b.gaps.map((g) => g.kind)).toEqual(['overwritten']);
  });
});
