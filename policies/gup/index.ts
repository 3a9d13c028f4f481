/**
 * Every GUP-side family version (gup-core, gup-args, vma-checks, unshare, pin-accounting,
 * pinnable, longterm-migrate, vfio-type1, io-uring-buffers), oldest first within each family.
 * Two versions of one family with the same first release: the later in this list wins in the
 * release (it builds on the earlier one), e.g. vfio-type1 19fed0dae94d over 3567813eae5e in v5.6.
 */
import type { FamilyVersion } from '../../src/model/kernel.ts';
import type { VariantSpec } from '../variant.ts';
import { gupArgs447f3e45c18a } from './gup-args/447f3e45c18a.ts';
import { gupArgsC4237f8b1f4f } from './gup-args/c4237f8b1f4f.ts';
import { gupArgsD64e2dbc33a1 } from './gup-args/d64e2dbc33a1.ts';
import { gupArgsD74943a2f3cd } from './gup-args/d74943a2f3cd.ts';
import { gupArgsV5_4 } from './gup-args/v5-4.ts';
import { gupArgsV6_2 } from './gup-args/v6-2.ts';
import { gupArgsV6_6 } from './gup-args/v6-6.ts';
import { gupCore4ca9b3859dac } from './gup-core/4ca9b3859dac.ts';
import { gupCoreV5_4 } from './gup-core/v5-4.ts';
import { ioUringBuffers3c85cc43c8e7 } from './io-uring-buffers/3c85cc43c8e7.ts';
import { ioUringBuffers34ed8d0dcd69 } from './io-uring-buffers/34ed8d0dcd69.ts';
import { ioUringBuffers57bebf807e2a } from './io-uring-buffers/57bebf807e2a.ts';
import { ioUringBuffers1943f96b3816 } from './io-uring-buffers/1943f96b3816.ts';
import { ioUringBuffersA8edbb424b13 } from './io-uring-buffers/a8edbb424b13.ts';
import { ioUringBuffersEdd478269640 } from './io-uring-buffers/edd478269640.ts';
import { ioUringBuffersPinUserPages } from './io-uring-buffers/pin-user-pages.ts';
import { ioUringBuffersShmemExempt } from './io-uring-buffers/shmem-exempt.ts';
import { ioUringBuffersV5_4 } from './io-uring-buffers/v5-4.ts';
import { longtermMigrate67e139b02d99 } from './longterm-migrate/67e139b02d99.ts';
import { longtermMigrateAllocTargetV5_10 } from './longterm-migrate/alloc-target-v5-10.ts';
import { longtermMigrateD1e153fea2a8 } from './longterm-migrate/d1e153fea2a8.ts';
import { longtermMigrateHugetlbThisnode } from './longterm-migrate/hugetlb-thisnode.ts';
import { longtermMigrateStable5_10_262 } from './longterm-migrate/stable-5-10-262.ts';
import { longtermMigrateV5_4 } from './longterm-migrate/v5-4.ts';
import { pinAccounting0fa5bc4023c1 } from './pin-accounting/0fa5bc4023c1.ts';
import { pinAccounting3faa52c03f44 } from './pin-accounting/3faa52c03f44.ts';
import { pinAccountingC8070b787519 } from './pin-accounting/c8070b787519.ts';
import { pinAccountingD1e153fea2a8 } from './pin-accounting/d1e153fea2a8.ts';
import { pinAccountingEddb1c228f79 } from './pin-accounting/eddb1c228f79.ts';
import { pinAccountingNone } from './pin-accounting/none.ts';
import { pinAccountingRetireFollowHugetlbPage } from './pin-accounting/retire-follow-hugetlb-page.ts';
import { pinAccountingStable6_1_192 } from './pin-accounting/stable-6-1-192.ts';
import { pinnable1c563432588d } from './pinnable/1c563432588d.ts';
import { pinnable8e3560d963d2 } from './pinnable/8e3560d963d2.ts';
import { pinnable034e5afad921 } from './pinnable/034e5afad921.ts';
import { pinnableF25cbb7a95a2 } from './pinnable/f25cbb7a95a2.ts';
import { pinnableFcab34b433e2 } from './pinnable/fcab34b433e2.ts';
import { pinnableFsdaxV6_15 } from './pinnable/fsdax-v6-15.ts';
import { pinnableNone } from './pinnable/none.ts';
import { unshare84209e87c696 } from './unshare/84209e87c696.ts';
import { unshare17839856fd58 } from './unshare/17839856fd58.ts';
import { unshareA7f226604170 } from './unshare/a7f226604170.ts';
import { unshareA308c71bf1e6 } from './unshare/a308c71bf1e6.ts';
import { unshareNone } from './unshare/none.ts';
import { vfioType15b992412776c } from './vfio-type1/5b992412776c.ts';
import { vfioType119fed0dae94d } from './vfio-type1/19fed0dae94d.ts';
import { vfioType1873aefb376bb } from './vfio-type1/873aefb376bb.ts';
import { vfioType107956b6269d3 } from './vfio-type1/07956b6269d3.ts';
import { vfioType13567813eae5e } from './vfio-type1/3567813eae5e.ts';
import { vfioType1V5_4 } from './vfio-type1/v5-4.ts';
import { vmaChecks8ac268436e6d } from './vma-checks/8ac268436e6d.ts';
import { vmaChecks52650c8b466b } from './vma-checks/52650c8b466b.ts';
import { vmaChecksF347454d0341 } from './vma-checks/f347454d0341.ts';
import { vmaChecksHugetlbFollForce } from './vma-checks/hugetlb-foll-force.ts';
import { vmaChecksSecretmem } from './vma-checks/secretmem.ts';
import { vmaChecksShadowStack } from './vma-checks/shadow-stack.ts';
import { vmaChecksSplitPmdHugetlb } from './vma-checks/split-pmd-hugetlb.ts';
import { vmaChecksStable6_12_118 } from './vma-checks/stable-6-12-118.ts';
import { vmaChecksV5_4 } from './vma-checks/v5-4.ts';

export const GUP_FAMILY_VERSIONS: readonly FamilyVersion[] = [
  gupCoreV5_4,
  gupCore4ca9b3859dac,
  gupArgsV5_4,
  gupArgsC4237f8b1f4f,
  gupArgs447f3e45c18a,
  gupArgsV6_2,
  gupArgsD64e2dbc33a1,
  gupArgsD74943a2f3cd,
  gupArgsV6_6,
  vmaChecksV5_4,
  vmaChecks52650c8b466b,
  vmaChecksSecretmem,
  vmaChecksF347454d0341,
  vmaChecks8ac268436e6d,
  vmaChecksShadowStack,
  vmaChecksHugetlbFollForce,
  vmaChecksSplitPmdHugetlb,
  unshareNone,
  unshare17839856fd58,
  unshareA308c71bf1e6,
  unshareA7f226604170,
  unshare84209e87c696,
  pinAccountingNone,
  pinAccountingEddb1c228f79,
  pinAccounting3faa52c03f44,
  pinAccounting0fa5bc4023c1,
  pinAccountingD1e153fea2a8,
  pinAccountingC8070b787519,
  pinAccountingRetireFollowHugetlbPage,
  pinnableNone,
  pinnable8e3560d963d2,
  pinnable1c563432588d,
  pinnable034e5afad921,
  pinnableF25cbb7a95a2,
  pinnableFcab34b433e2,
  pinnableFsdaxV6_15,
  longtermMigrateV5_4,
  longtermMigrateAllocTargetV5_10,
  longtermMigrateD1e153fea2a8,
  longtermMigrate67e139b02d99,
  longtermMigrateHugetlbThisnode,
  vfioType1V5_4,
  vfioType13567813eae5e,
  vfioType119fed0dae94d,
  vfioType107956b6269d3,
  vfioType1873aefb376bb,
  vfioType15b992412776c,
  ioUringBuffersV5_4,
  ioUringBuffersPinUserPages,
  ioUringBuffersShmemExempt,
  ioUringBuffersEdd478269640,
  ioUringBuffers57bebf807e2a,
  ioUringBuffers3c85cc43c8e7,
  ioUringBuffers34ed8d0dcd69,
  ioUringBuffers1943f96b3816,
  ioUringBuffersA8edbb424b13,
];
/**
 * Aliases the pre-/post-<commit> rule cannot derive: pinnable v5.13 encodes two commits of one
 * series (8e3560d963d2 + 9afaf30f7a1a) and carries only the first as its `commit`.
 */
export const GUP_VARIANTS: readonly VariantSpec[] = [
  {
    // Debian bullseye's kernel.
    id: 'v5.10.262',
    title: 'Linux 5.10.262 (Debian bullseye): v5.10 with stable backports',
    base: 'v5.10',
    replace: [vfioType1873aefb376bb, ioUringBuffersEdd478269640, longtermMigrateStable5_10_262],
    summary:
      'Read in linux-source-5.10 5.10.262: drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfns() unpins every zero page right after pin_user_pages_remote() ("The zero page is always resident, we don\'t need to pin it", 873aefb376bb, mainline v6.0-rc5). mm/gup.c:check_and_migrate_cma_pages():1614-1676 carries two fixes of the v5.13 series as stable backports (isolation errors repeat the check, a failed migration is -ENOMEM: longterm-migrate stable-5.10.262). mm/gup.c (is_valid_gup_flags, check_dax_vmas, try_grab_page without a zero-page exemption; hugetlb/follow_hugetlb_page():4983 grabs with try_grab_page(), no long-term refusal) read as v5.10. io_uring/io_uring.c:io_sqe_buffer_register():8945-8961 (Debian\'s io_uring backport from 5.15) refuses a buffer whose VMAs have different vm_file (-EINVAL) and a file-backed VMA only when it is neither shmem nor hugetlbfs (-EOPNOTSUPP): io-uring-buffers edd478269640 (shmem-exempt, v5.14, plus the vm_file check, v6.3).',
  },
  {
    // Debian bookworm's kernel: a stable update whose backports change modelled outcomes.
    id: 'v6.1.192',
    title: 'Linux 6.1.192 (Debian bookworm): v6.1 with stable backports',
    base: 'v6.1',
    replace: [pinAccountingStable6_1_192, ioUringBuffersEdd478269640, vmaChecksF347454d0341],
    summary:
      'Read in linux-source-6.1 6.1.192: mm/gup.c:try_grab_page(), try_grab_folio() and gup_put_folio() skip the zero page ("Don\'t take a pin on the zero page", c8070b787519, mainline v6.5), while mm/hugetlb.c:follow_hugetlb_page():6629 still grabs with try_grab_folio(), which refuses FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable (pin-accounting stable-6.1.192); io_uring/rsrc.c:io_sqe_buffer_register() refuses a buffer whose VMAs have different vm_file with -EINVAL (edd478269640, mainline v6.3); mm/gup.c:check_vma_flags():1085-1087 refuses a FOLL_FORCE|FOLL_WRITE on a read-only hugetlb VMA with -EFAULT (f347454d0341, mainline v6.2-rc1, backported to 6.1.y). Everything else as v6.1 (gup.c migration, is_longterm_pinnable_page() read alike).',
  },
  {
    // Debian trixie's kernel.
    id: 'v6.12.118',
    title: 'Linux 6.12.118 (Debian trixie): v6.12 with stable backports',
    base: 'v6.12',
    replace: [vmaChecksStable6_12_118],
    summary:
      'Read in linux-source-6.12 6.12.118: mm/gup.c:check_vma_flags():1286-1287 refuses FOLL_SPLIT_PMD on a hugetlb VMA with -EOPNOTSUPP ("mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs", mainline v6.15, backported to 6.12.y), while :1301-1302 still refuses a FOLL_FORCE|FOLL_WRITE on read-only hugetlb (vma-checks stable-6.12.118). Everything else as v6.12: only the differences found in the reading of issue 14 are modelled here.',
  },
  {
    id: 'pre-9afaf30f7a1a',
    title: 'v5.6 (just before 9afaf30f7a1a)',
    base: 'v5.6',
    replace: [],
    summary: 'The composition before "mm/gup: do not migrate zero page" (no is_pinnable_page() yet).',
    commit: '9afaf30f7a1a',
  },
  {
    id: 'post-9afaf30f7a1a',
    title: 'v5.6 + 9afaf30f7a1a mm/gup: do not migrate zero page',
    base: 'v5.6',
    replace: [pinnable8e3560d963d2],
    summary: pinnable8e3560d963d2.summary,
    commit: '9afaf30f7a1a',
  },
];
