/** Linux errno values the models return (x86_64 / asm-generic numbering). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EREMOTEIO: 121,
  EHWPOISON: 133,
} as const;
export type ErrnoName = keyof typeof ERRNO;

/** `-ERRNO.EFAULT` reads better in policies as `err('EFAULT')`. */
export function err(name: ErrnoName): number {
  return -ERRNO[name];
}

// By negated value, for the why paths that name a return on every call.
const NAME_OF: ReadonlyMap<number, ErrnoName> = new Map(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([name, v]) => [-v, name]),
);

export function errnoName(ret: number): ErrnoName | undefined {
  return NAME_OF.get(ret);
}
