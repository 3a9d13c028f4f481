import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { gupApiV6_3, isValidGupArgsV6_3 } from './d64e2dbc33a1.ts';
import { gupArgsD74943a2f3cd } from './d74943a2f3cd.ts';

export const gupArgsV6_6: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'v6.6',
  subject: 'is_valid_gup_args(): FOLL_HONOR_NUMA_FAULT no longer forced',
  release: 'v6.6',
  summary: 'Back to the v6.3 rules: FOLL_HONOR_NUMA_FAULT is not ORed into every call.',
  ops: { ...gupArgsD74943a2f3cd.ops, gupApi: gupApiV6_3, isValidGupArgs: isValidGupArgsV6_3 },
};
