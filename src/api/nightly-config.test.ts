/** The nightly config: JSON and .ts files, defaults, and errors that name the file and the field. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { findNightlyConfig, loadNightlyConfig, resolveNightlyPolicies } from './nightly-config.ts';

let dir: string;
/** `${NAME}` as the config file writes it (built up, so it reads as no template placeholder). */
const VAR = (name: string) => ['$', '{', name, '}'].join('');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinbench-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(content: unknown, env: NodeJS.ProcessEnv = {}, name = 'pinbench.config.json') {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return loadNightlyConfig(file, { cwd: dir, env });
}

async function error(content: unknown, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    await load(content, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('PB_CONFIG');
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const MINIMAL = { name: 'nightly', sources: ['traces/*.trace'] };

describe('nightly config', () => {
  it('fills in defaults; relative paths start at the file, defaults at the working directory', async () => {
    const c = await load(MINIMAL);
    expect(c).toMatchObject({
      name: 'nightly',
      sources: [{ kind: 'glob', pattern: 'traces/*.trace', field: 'sources[0]' }],
      policies: [],
      baseline: null,
      db: undefined,
      reportDir: join(dir, 'reports'),
      reportUrl: null,
      cacheDir: join(dir, '.pinbench', 'cache'),
      webhook: null,
      outputs: {},
      kcidb: { origin: 'pinbench', treeName: null, gitRepositoryUrl: null },
      strict: false,
      configs: undefined,
    });
    expect(c.http).toEqual({
      timeoutMs: 30000,
      maxBytes: 1024 ** 3,
      deadlineMs: null,
      retries: 3,
      retryDelayMs: 250,
      concurrency: 4,
    });
    const full = await load(
      {
        ...MINIMAL,
        sources: [
          { glob: 'a/**/*.trace' },
          { manifest: 'https://ci.example.org/m.json', name: 'ci' },
          { manifest: 'm.json' },
        ],
        policies: ['v6.1', './my-fix.ts'],
        baseline: 'v6.1',
        db: `postgres://pinbench:${VAR('PGPASS')}@db.example.org/pb`,
        reportDir: 'out/reports',
        outputs: { junit: 'out/junit.xml' },
        http: { timeoutMs: 500, retries: 1 },
        webhook: `https://hooks.example.org/${VAR('HOOK')}`,
        matrix: ['pte_special=0,1'],
        kcidb: { origin: 'my_ci' },
      },
      { PGPASS: 's3cret', HOOK: 'T0/B0' },
    );
    expect(full.sources).toEqual([
      { kind: 'glob', pattern: 'a/**/*.trace', field: 'sources[0].glob' },
      {
        kind: 'manifest',
        location: 'https://ci.example.org/m.json',
        label: 'ci',
        field: 'sources[1].manifest',
      },
      { kind: 'manifest', location: join(dir, 'm.json'), label: 'm.json', field: 'sources[2].manifest' },
    ]);
    expect(full.policies).toEqual(['v6.1', join(dir, 'my-fix.ts')]);
    expect(full.db).toBe('postgres://pinbench:s3cret@db.example.org/pb');
    expect(full.webhook).toBe('https://hooks.example.org/T0/B0');
    expect(full.reportDir).toBe(join(dir, 'out/reports'));
    expect(full.outputs).toEqual({ junit: join(dir, 'out/junit.xml') });
    expect(full.http).toMatchObject({ timeoutMs: 500, retries: 1, retryDelayMs: 250 });
    expect(full.configs?.map((x) => x.label)).toEqual(['pte_special=0', 'pte_special=1']);
  });

  it('reads a .ts config through its default export', async () => {
    const c = await load(
      `const config = { name: 'from-ts', sources: ['t/*.trace'], policies: ['v6.1'] };\nexport default config;\n`,
      {},
      'pinbench.config.ts',
    );
    expect(c.name).toBe('from-ts');
    await expect(load(`export const x = 1;\n`, {}, 'other.config.ts')).rejects.toThrow(
      /other\.config\.ts: no default export/,
    );
  });

  it('names the file and the field of every mistake', async () => {
    expect((await error({ sources: ['x'] })).message).toBe(
      'pinbench.config.json: name: expected a config name (letters, digits, . _ -; at most 100), got nothing (the field is missing) [PB_CONFIG]',
    );
    expect((await error({ ...MINIMAL, polices: [] })).message).toBe(
      "pinbench.config.json: polices: unknown field (did you mean 'policies'?) [PB_CONFIG]",
    );
    expect((await error({ name: 'n', sources: [] })).message).toMatch(
      /^pinbench\.config\.json: sources: expected a non-empty array/,
    );
    expect((await error({ name: 'n', sources: [{ manifest: 'ftp://x/m.json' }] })).message).toMatch(
      /^pinbench\.config\.json: sources\[0\]\.manifest: only http:\/\/ and https:\/\/ manifests/,
    );
    expect((await error({ name: 'n', sources: [{ glob: 'a', manifest: 'b' }] })).message).toMatch(
      /^pinbench\.config\.json: sources\[0\]: expected exactly one/,
    );
    expect((await error({ name: 'n', sources: ['https://x.org/a.trace'] })).message).toMatch(
      /sources\[0\]: a URL is not a local path/,
    );
    expect((await error({ ...MINIMAL, http: { retries: 99 } })).message).toMatch(
      /^pinbench\.config\.json: http\.retries: expected a whole number from 0 to 10, got number 99/,
    );
    expect((await error({ ...MINIMAL, http: { timeout: 1 } })).message).toMatch(
      /http\.timeout: unknown field \(did you mean 'timeoutMs'\?\)/,
    );
    expect((await error({ ...MINIMAL, db: `postgres://u:${VAR('NOPE')}@h/db` })).message).toMatch(
      /^pinbench\.config\.json: db: environment variable NOPE/,
    );
    expect((await error({ ...MINIMAL, kcidb: { origin: 'Bad-Origin' } })).message).toMatch(
      /kcidb\.origin: expected a KCIDB origin/,
    );
    expect((await error({ ...MINIMAL, policies: ['v6.1', 'v6.1'] })).message).toMatch(
      /policies\[1\]: 'v6.1' is listed twice/,
    );
    expect((await error({ ...MINIMAL, matrix: ['nonsense'] })).message).toMatch(
      /^pinbench\.config\.json: matrix: /,
    );
  });

  it('points at the line and column of a JSON syntax error', async () => {
    const e = await error('{\n  "name": "n",\n  "sources": ["a"],,\n}\n');
    expect(e.message).toMatch(/^pinbench\.config\.json:3:20: not valid JSON: /);
    expect(e.location).toMatchObject({ line: 3, col: 20 });
  });

  it('resolves policies one by one and checks the baseline is among them', async () => {
    const ok = await load({ ...MINIMAL, policies: ['v5.19', 'v6.0-rc1'], baseline: 'v5.19' });
    expect((await resolveNightlyPolicies(ok)).map((p) => p.id)).toEqual(['v5.19', 'v6.0-rc1']);
    const unknown = await load({ ...MINIMAL, policies: ['v5.19', 'v9.99'] });
    await expect(resolveNightlyPolicies(unknown)).rejects.toThrow(
      /^pinbench\.config\.json: policies\[1\]: .*v9\.99.* \[PB_CONFIG\]$/,
    );
    const base = await load({ ...MINIMAL, policies: ['v5.19'], baseline: 'v6.1' });
    await expect(resolveNightlyPolicies(base)).rejects.toThrow(
      /baseline: 'v6.1' is not one of the policies run \(v5\.19\)/,
    );
    const module = join(dir, 'my-fix.ts');
    const define = pathToFileURL(join(process.cwd(), 'policies/define-policy.ts')).href;
    await writeFile(
      module,
      `import { definePolicy } from '${define}';\nexport default definePolicy({ id: 'my-fix', base: 'v6.1', override: {} });\n`,
    );
    const mod = await load({ ...MINIMAL, policies: ['v6.1', './my-fix.ts'], baseline: 'v6.1' });
    expect((await resolveNightlyPolicies(mod)).map((p) => p.id)).toEqual(['v6.1', 'my-fix']);
  });

  it('finds pinbench.config.json in the working directory, or says what to do', async () => {
    await writeFile(join(dir, 'pinbench.config.json'), JSON.stringify(MINIMAL));
    expect(findNightlyConfig(dir)).toBe(join(dir, 'pinbench.config.json'));
    const empty = await mkdtemp(join(tmpdir(), 'pinbench-noconfig-'));
    try {
      expect(() => findNightlyConfig(empty)).toThrow(
        /no pinbench\.config\.json or pinbench\.config\.ts in .*: write one .* or give --config FILE/,
      );
      expect(() => findNightlyConfig(empty, 'nope.json')).toThrow(/^nope\.json: no such file \[PB_CONFIG\]$/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
