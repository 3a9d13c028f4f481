/**
 * Validating the CI exports against their schemas in tests: JUnit XML with `xmllint --schema`
 * (Debian's libxml2-utils) against src/export/schemas/junit.xsd, KCIDB JSON with ajv (draft
 * 2020-12 + formats) against src/export/schemas/kcidb-io.schema.json.
 *
 * Without xmllint the JUnit checks are skipped with a message, except in CI (`process.env.CI`),
 * where a missing xmllint fails the test.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const run = promisify(execFile);

export const JUNIT_XSD = fileURLToPath(new URL('../../src/export/schemas/junit.xsd', import.meta.url));
export const KCIDB_SCHEMA = fileURLToPath(
  new URL('../../src/export/schemas/kcidb-io.schema.json', import.meta.url),
);

function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let warned = false;
/** Why the JUnit schema checks are skipped here, or null when they must run (installed, or CI). */
export function xmllintSkipReason(): string | null {
  if (process.env.CI || hasXmllint()) return null;
  const reason =
    'xmllint not found: skipping the JUnit XSD validation (install it with `apt-get install -y libxml2-utils`; in CI this is an error)';
  if (!warned) {
    warned = true;
    console.warn(reason);
  }
  return reason;
}

/** `xmllint --noout --schema junit.xsd`: [] when valid, else xmllint's complaints. */
export async function validateJunit(xml: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pinbench-junit-'));
  const file = join(dir, 'junit.xml');
  try {
    await writeFile(file, xml);
    try {
      await run('xmllint', ['--noout', '--schema', JUNIT_XSD, file]);
      return [];
    } catch (e) {
      const err = e as { stderr?: string; message: string; code?: unknown };
      if (err.code === 'ENOENT')
        throw new Error('xmllint is not installed (apt-get install -y libxml2-utils)');
      return (err.stderr ?? err.message).split('\n').filter((l) => l && !l.endsWith('fails to validate'));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Evaluates an XPath number expression (e.g. `count(//testcase)`) with xmllint. */
export async function xpathNumber(xml: string, expr: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pinbench-junit-'));
  const file = join(dir, 'junit.xml');
  try {
    await writeFile(file, xml);
    const { stdout } = await run('xmllint', ['--xpath', expr, file]);
    return Number(stdout.trim());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Validate = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string }[] | null;
};
let kcidb: Promise<Validate> | null = null;

/** ajv against kcidb-io.schema.json: [] when valid, else `path message` lines. */
export async function validateKcidb(data: unknown): Promise<string[]> {
  kcidb ??= (async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
    addFormats(ajv);
    return ajv.compile(JSON.parse(await readFile(KCIDB_SCHEMA, 'utf8'))) as Validate;
  })();
  const validate = await kcidb;
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
