import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { grabRefusedOnHugetlbWalk } from './0fa5bc4023c1.ts';
import { pinAccountingC8070b787519, tryGrabPageZeroExempt } from './c8070b787519.ts';
import { pinnable } from './d1e153fea2a8.ts';

const tryGrabPage = grabRefusedOnHugetlbWalk(pinnable, 'try_grab_folio', tryGrabPageZeroExempt);

export const pinAccountingStable6_1_192: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'stable-6.1.192',
  subject: "mm: Don't pin ZERO_PAGE in pin_user_pages() (6.1.y backport) on v6.1's hugetlb walk",
  release: null,
  summary:
    'The zero page is not pinned (c8070b787519 backport); follow_hugetlb_page() still refuses FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable (WARN, -ENOMEM).',
  ops: { ...pinAccountingC8070b787519.ops, tryGrabPage },
};
