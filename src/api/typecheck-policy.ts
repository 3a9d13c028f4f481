/**
 * `check --typecheck`: type-checks a user's policy module with the project's own TypeScript and
 * compiler options, against the kernel table's types (`definePolicy`'s `override` is a
 * `Partial<Kernel>`), so a wrong signature is bad input before any replay. Opt-in (it costs a
 * few seconds); a module that passed is remembered by the hash of its text under the cache
 * directory (PINBENCH_CACHE, else $XDG_CACHE_HOME/pinbench, else ~/.cache/pinbench), never in the
 * checkout.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { PolicyError } from '../errors.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

export function cacheDirectory(env: NodeJS.ProcessEnv): string {
  if (env.PINBENCH_CACHE) return resolve(env.PINBENCH_CACHE);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'pinbench');
  return join(homedir(), '.cache', 'pinbench');
}

export interface TypecheckResult {
  /** The module passed before (same text, same TypeScript): not checked again. */
  cached: boolean;
}

export async function typecheckPolicyModule(
  path: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<TypecheckResult> {
  const abs = resolve(opts.cwd, path);
  const ts = (await import('typescript')).default;
  const text = await readFile(abs);
  const key = createHash('sha256')
    .update(text)
    .update('\0')
    .update(ts.version)
    .update('\0')
    .update(abs)
    .digest('hex');
  const stamp = join(cacheDirectory(opts.env), 'typecheck', `${key}.ok`);
  if (existsSync(stamp)) return { cached: true };
  const config = JSON.parse(readFileSync(join(PROJECT_ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, PROJECT_ROOT);
  // A module outside the project has no package.json saying it is ESM: read it as one (it is
  // imported as one), resolving imports as a bundler would (`.ts` extensions allowed).
  const program = ts.createProgram([abs], {
    ...options,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    rewriteRelativeImportExtensions: false,
    typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')],
  });
  const mine = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && resolve(d.file.fileName) === abs);
  const first = mine[0];
  if (first?.file !== undefined && first.start !== undefined) {
    const { line, character } = first.file.getLineAndCharacterOfPosition(first.start);
    const message = ts.flattenDiagnosticMessageText(first.messageText, ' ');
    throw new PolicyError(
      'PB_POLICY',
      `type error (TS${first.code}): ${message}${mine.length > 1 ? ` (and ${mine.length - 1} more)` : ''}`,
      { location: { file: path, line: line + 1, col: character + 1 } },
    );
  }
  await mkdir(join(cacheDirectory(opts.env), 'typecheck'), { recursive: true });
  await writeFile(stamp, `${path}\n`);
  return { cached: false };
}
