/**
 * The check's result cache: every input a result depends on changes the key (a trace byte, a
 * policy module or a file it imports, pinbench's own code, the options), a damaged entry is
 * ignored and replaced, and a result with an `error` is never kept. Everything under temp dirs.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceReplayResult } from '../replay/results.ts';
import {
  CheckCache,
  type CheckReplaySettings,
  decodeEntry,
  encodeEntry,
  moduleContentHash,
  pinbenchCodeDigest,
} from './check-cache.ts';

const DEFINE = resolve('policies/define-policy.ts');
const NONE = { label: '', overrides: {} };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pinbench-check-cache-'));
}

function moduleText(pinnable: boolean, extra = ''): string {
  return [
    `import { definePolicy } from '${DEFINE}';`,
    extra,
    'export default definePolicy({',
    "  id: 'my-fix', base: 'v5.18', subject: 'test',",
    `  override: { isLongtermPinnable: () => ${pinnable} },`,
    '});',
    '',
  ].join('\n');
}

function settings(over: Partial<CheckReplaySettings> = {}): CheckReplaySettings {
  return { policySpecs: ['v5.19', 'v6.0-rc1'], strict: false, adapters: true, outcomes: false, ...over };
}

function result(verdict: 'pass' | 'error' = 'pass'): TraceReplayResult {
  return {
    identity: { source: 'x.trace', name: 'x.trace', matrix: '' },
    integrity: [],
    scenarios: [
      {
        scenario: 's',
        outcomes: [],
        divergences: [],
        finals: [],
        verdicts: [
          { type: 'verdict', trace: 'x.trace', scenario: 's', policy: 'v5.19', verdict, failed: [] },
        ],
        fidelity: [],
        calls: 1,
        coverage: { seqs: [], finals: false },
      },
    ],
    events: { modelEvents: 0, calls: 1, generic: {}, foreignMarkers: 0, observedReturns: 0 },
    sha256: 'abc',
    bytes: 3,
    layout: 'pinbench',
    ingest: { lines: 1, records: 1, headers: 0, integrity: 0, blank: 0, skipped: {} },
    ms: 1,
  } as unknown as TraceReplayResult;
}

describe('check result cache', () => {
  it('keys on the trace bytes, the path, the configuration and the options', async () => {
    const dir = tempDir();
    const trace = join(dir, 'a.trace');
    copyFileSync('traces/01-vfio-zero-ro.trace', trace);
    const env = { PINBENCH_CACHE: join(dir, 'cache') };
    const cache = CheckCache.open(env, settings())!;
    const k = await cache.key(trace, NONE, true);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(await cache.key(trace, NONE, true)).toBe(k);
    // One byte of the trace changed (same length, same mtime second or not: content decides).
    const text = readFileSync(trace);
    text[text.length - 2] = text[text.length - 2] === 0x31 ? 0x32 : 0x31;
    writeFileSync(trace, text);
    const k2 = await cache.key(trace, NONE, true);
    expect(k2).not.toBe(k);
    // The same bytes under another name: results carry the name.
    const other = join(dir, 'b.trace');
    copyFileSync(trace, other);
    expect(await cache.key(other, NONE, true)).not.toBe(k2);
    expect(await cache.key(trace, { label: '', overrides: { pte_special: 0 } }, true)).not.toBe(k2);
    expect(await cache.key(trace, { label: 'pte_special=0', overrides: { pte_special: 0 } }, true)).not.toBe(
      await cache.key(trace, { label: '', overrides: { pte_special: 0 } }, true),
    );
    expect(await cache.key(trace, NONE, false)).not.toBe(k2);
    const keyUnder = (s: CheckReplaySettings) => CheckCache.open(env, s)!.key(trace, NONE, true);
    const keys = await Promise.all([
      keyUnder(settings({ strict: true })),
      keyUnder(settings({ adapters: false })),
      keyUnder(settings({ outcomes: true })),
      keyUnder(settings({ policySpecs: ['v6.0-rc1', 'v5.19'] })),
      keyUnder(settings({ policySpecs: ['v5.19', 'v6.0'] })),
    ]);
    expect(new Set([k2, ...keys]).size).toBe(keys.length + 1);
    // Standard input and URLs have no content digest: never cached.
    expect(await cache.key('-', NONE, true)).toBeNull();
    expect(cache.counts.uncacheable).toBe(1);
  });

  it("keys on a policy module's code and every file it imports", () => {
    const dir = tempDir();
    const mod = join(dir, 'my-fix.ts');
    const helper = join(dir, 'helper.ts');
    writeFileSync(helper, 'export const yes = true;\n');
    writeFileSync(mod, moduleText(false, "import { yes } from './helper.ts';"));
    const trace = { ...settings(), policySpecs: ['v5.18', mod] };
    const env = { PINBENCH_CACHE: join(dir, 'cache') };
    const h = moduleContentHash(mod);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(CheckCache.open(env, trace)).not.toBeNull();
    writeFileSync(helper, 'export const yes = false;\n');
    const h2 = moduleContentHash(mod);
    expect(h2).not.toBe(h);
    writeFileSync(mod, moduleText(true, "import { yes } from './helper.ts';"));
    expect(moduleContentHash(mod)).not.toBe(h2);
    // Code the key cannot see: a package, a computed import, a missing file.
    writeFileSync(mod, moduleText(true, "import { x } from 'some-package';"));
    expect(moduleContentHash(mod)).toBeNull();
    expect(CheckCache.open(env, trace)).toBeNull();
    writeFileSync(mod, moduleText(true, 'const m = await import(process.env.X!);'));
    expect(moduleContentHash(mod)).toBeNull();
    writeFileSync(mod, moduleText(true, "import { x } from './missing.ts';"));
    expect(moduleContentHash(mod)).toBeNull();
    // node: built-ins cannot change under the key (the Node version is in the code digest).
    writeFileSync(mod, moduleText(true, "import { join } from 'node:path';"));
    expect(moduleContentHash(mod)).not.toBeNull();
  });

  it("keys on pinbench's own code: a model or policy source changed misses", () => {
    const root = tempDir();
    for (const d of ['src/model', 'policies/gup']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"version":"0.1.0"}');
    writeFileSync(join(root, 'src/model/state.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'policies/gup/v1.ts'), 'export const b = 1;\n');
    const d0 = pinbenchCodeDigest(root);
    writeFileSync(join(root, 'src/model/state.test.ts'), 'tests do not replay\n');
    expect(pinbenchCodeDigest(root)).toBe(d0);
    writeFileSync(join(root, 'src/model/state.ts'), 'export const a = 2;\n');
    const d1 = pinbenchCodeDigest(root);
    expect(d1).not.toBe(d0);
    writeFileSync(join(root, 'policies/gup/v1.ts'), 'export const b = 2;\n');
    const d2 = pinbenchCodeDigest(root);
    expect(d2).not.toBe(d1);
    writeFileSync(join(root, 'policies/gup/v2.ts'), 'export const c = 1;\n');
    expect(pinbenchCodeDigest(root)).not.toBe(d2);
    // The code digest is part of every key.
    const env = { PINBENCH_CACHE: join(root, 'cache') };
    const a = CheckCache.open(env, settings(), 'code-a')!;
    const b = CheckCache.open(env, settings(), 'code-b')!;
    return Promise.all([
      a.key('traces/01-vfio-zero-ro.trace', NONE, true),
      b.key('traces/01-vfio-zero-ro.trace', NONE, true),
    ]).then(([ka, kb]) => expect(ka).not.toBe(kb));
  });

  it('ignores a damaged entry, replaces it, and never keeps an error', async () => {
    const dir = tempDir();
    const env = { PINBENCH_CACHE: join(dir, 'cache') };
    const cache = CheckCache.open(env, settings())!;
    const key = (await cache.key('traces/01-vfio-zero-ro.trace', NONE, true))!;
    expect(await cache.read(key)).toBeNull();
    await cache.write(key, result());
    expect(await cache.read(key)).toEqual(result());
    const file = join(cache.dir, key.slice(0, 2), `${key}.json`);
    // No temporary file is left beside the entry.
    expect(readdirSync(join(cache.dir, key.slice(0, 2)))).toEqual([`${key}.json`]);
    const whole = readFileSync(file);
    const damaged = [
      whole.subarray(0, whole.length - 1), // truncated
      Buffer.concat([whole, Buffer.from(' ')]), // grown
      Buffer.from(whole.toString().replace('"verdict":"pass"', '"verdict":"fail"')), // same length, other bytes
      Buffer.alloc(0),
      Buffer.from('not a cache entry'),
    ];
    for (const bad of damaged) {
      writeFileSync(file, bad);
      expect(await cache.read(key)).toBeNull();
    }
    expect(cache.counts.corrupt).toBe(damaged.length);
    await cache.write(key, result());
    expect(await cache.read(key)).toEqual(result());
    // An entry is only ever read under its own key.
    expect(decodeEntry('0'.repeat(64), encodeEntry(key, result()))).toBeNull();
    // An error verdict says something about timing or the environment: not kept.
    const errKey = (await cache.key('traces/02-zero-movable.trace', NONE, true))!;
    await cache.write(errKey, result('error'));
    expect(await cache.read(errKey)).toBeNull();
    await cache.write(errKey, { ...result(), error: { code: 'PB_IO', message: 'x' } } as TraceReplayResult);
    expect(await cache.read(errKey)).toBeNull();
  });
});
