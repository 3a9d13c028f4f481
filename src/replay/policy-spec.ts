/** Policy specs as the command line gives them: a registry id (`v6.1`) or a module path (`./fix.ts`). */
import { resolve } from 'node:path';

/** A policy spec naming a module file (`./fix.ts`, `patches/fix.mjs`) rather than a registry id. */
export function isModulePath(spec: string): boolean {
  return /\.[mc]?[jt]s$/.test(spec) || spec.includes('/');
}

/** The specs with module paths made absolute: what workers and cache keys are given. */
export function absoluteSpecs(specs: readonly string[], cwd: string): string[] {
  return specs.map((s) => (isModulePath(s) ? resolve(cwd, s) : s));
}
