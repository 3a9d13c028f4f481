/**
 * What a user's policy module exports: a release to start from and the functions its patch
 * changes. Kept free of the registry so a module outside the project imports only this file and
 * the model.
 *
 *   import { definePolicy } from '<pinbench>/policies/define-policy.ts';
 *   export default definePolicy({
 *     id: 'my-fix', base: 'v6.11', subject: 'mm: my fix',
 *     override: { isLongtermPinnable(k, st, folio) { ... } },
 *   });
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
  override: Partial<Kernel>;
}

export function definePolicy(spec: Omit<PolicyModule, 'kind'>): PolicyModule {
  return { kind: 'pinbench-policy', ...spec };
}
