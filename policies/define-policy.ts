/**
 * What a user's policy module exports: a release to start from and the functions its patch
 * changes. Kept free of the registry so a module outside the project imports only this file and
 * the model.
 *
 *   import { definePolicy } from '<pinbench>/policies/define-policy.ts';
 *   export default definePolicy({
 *     id: 'my-fix', base: 'v6.11', subject: 'mm: my fix',
 *     override: (base) => ({
 *       folioIsLongtermPinnable(k, st, folio) {
 *         if (folio.kind === 'zero') return true;
 *         return base.folioIsLongtermPinnable(k, st, folio);
 *       },
 *     }),
 *   });
 *
 * `override` is either the functions themselves or a function of the base release's table
 * (`base`), so a patch can call the function it replaces. Always pass `k` (the patched table) on:
 * `base.f(k, ...)` runs the base's code with every other call still late-bound to the patch.
 * A slot the base release does not have is a stub that fails with a PolicyError when called.
 */
import type { Kernel } from '../src/model/kernel.ts';

export interface PolicyModule {
  readonly kind: 'pinbench-policy';
  id: string;
  /** A release id or alias to build on. */
  base: string;
  title?: string;
  commit?: string;
  subject?: string;
  summary?: string;
  override: Partial<Kernel> | ((base: Readonly<Kernel>) => Partial<Kernel>);
}

export function definePolicy(spec: Omit<PolicyModule, 'kind'>): PolicyModule {
  return { kind: 'pinbench-policy', ...spec };
}
