/**
 * A writer of the `newc` cpio format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII header
 * of hex fields, the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes; a
 * `TRAILER!!!` entry ends the archive. Written here so recording needs no cpio binary.
 */

export interface CpioEntry {
  path: string;
  /** File type and permission bits, e.g. 0o100755 for an executable, 0o040755 for a directory. */
  mode: number;
  data?: Buffer;
  /** Symlink target (mode 0o120777). */
  target?: string;
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(ino: number, e: CpioEntry, size: number, nameLen: number): string {
  const fields = [ino, e.mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameLen, 0];
  return `070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`;
}

export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (e: CpioEntry): void => {
    const data = e.target !== undefined ? Buffer.from(e.target) : (e.data ?? Buffer.alloc(0));
    const name = Buffer.from(`${e.path.replace(/^\/+/, '')}\0`);
    const head = Buffer.from(header(ino++, e, data.length, name.length), 'latin1');
    parts.push(
      head,
      name,
      Buffer.alloc(pad4(head.length + name.length)),
      data,
      Buffer.alloc(pad4(data.length)),
    );
  };
  for (const e of entries) add(e);
  add({ path: 'TRAILER!!!', mode: 0 });
  return Buffer.concat(parts);
}
