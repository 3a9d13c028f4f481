import { describe, expect, it } from 'vitest';
import { decodeGupFlags, encodeGupFlags, isCowMapping } from './flags.ts';
import { atLeast, parseKernelVersion } from './kernel-version.ts';

const v = parseKernelVersion;

describe('kernel versions', () => {
  it('reads release strings as major.minor with -rc ordering', () => {
    expect(v('6.1.0-56-amd64')).toMatchObject({ major: 6, minor: 1, rc: 0 });
    expect(atLeast(v('v6.0-rc1'), '6.0')).toBe(true);
    expect(atLeast(v('v5.19'), '6.0')).toBe(false);
    expect(atLeast(v('v6.18'), '6.3')).toBe(true);
  });
});

describe('FOLL flag numbering (facts/pinning.md §5.1)', () => {
  it('vfio writable mapping flags per era decode as the facts list them', () => {
    // v5.7-v6.2: WRITE|TOUCH|REMOTE|LONGTERM|PIN = 0x52003
    expect([...decodeGupFlags(0x52003, v('6.1')).flags].sort()).toEqual(
      ['FOLL_LONGTERM', 'FOLL_PIN', 'FOLL_REMOTE', 'FOLL_TOUCH', 'FOLL_WRITE'].sort(),
    );
    // v6.3+: 0xD0101
    expect([...decodeGupFlags(0xd0101, v('6.3')).flags].sort()).toEqual(
      ['FOLL_LONGTERM', 'FOLL_PIN', 'FOLL_REMOTE', 'FOLL_TOUCH', 'FOLL_WRITE'].sort(),
    );
    // v6.5: 0xD1101 (+HONOR_NUMA_FAULT)
    expect(decodeGupFlags(0xd1101, v('6.5')).flags.has('FOLL_HONOR_NUMA_FAULT')).toBe(true);
    // v5.4 local: WRITE|TOUCH|GET|LONGTERM = 0x10007
    expect(encodeGupFlags(new Set(['FOLL_WRITE', 'FOLL_TOUCH', 'FOLL_GET', 'FOLL_LONGTERM']), v('5.4'))).toBe(
      0x10007,
    );
  });
  it('0x100 is HWPOISON up to 6.2 and LONGTERM from 6.3', () => {
    expect([...decodeGupFlags(0x100, v('6.2')).flags]).toEqual(['FOLL_HWPOISON']);
    expect([...decodeGupFlags(0x100, v('6.3')).flags]).toEqual(['FOLL_LONGTERM']);
  });
  it('FOLL_PIN does not exist in 5.4: 0x40000 is an unknown bit there', () => {
    expect(decodeGupFlags(0x40000, v('5.4')).unknownBits).toBe(0x40000);
    expect(decodeGupFlags(0x40000, v('5.6')).flags.has('FOLL_PIN')).toBe(true);
  });
});

describe('is_cow_mapping', () => {
  it('is private and may-write', () => {
    expect(isCowMapping(new Set(['VM_MAYWRITE']))).toBe(true);
    expect(isCowMapping(new Set(['VM_MAYWRITE', 'VM_SHARED']))).toBe(false);
    expect(isCowMapping(new Set(['VM_READ']))).toBe(false);
  });
});
