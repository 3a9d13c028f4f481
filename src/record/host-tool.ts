/**
 * Finds a host program the recorder runs. Debian leaves /usr/sbin and /sbin out of an ordinary
 * user's PATH, yet that is where mkfs.ext4 lives: looking only in PATH would quietly record
 * without the ext4 cases for every non-root user.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const SYSTEM_DIRS = ['/usr/sbin', '/sbin'];

/** The program's absolute path from PATH, then the system directories; the bare name when absent,
 * so that running it fails with the usual ENOENT the caller reports. */
export function hostTool(name: string, path: string = process.env.PATH ?? ''): string {
  for (const dir of [...path.split(':').filter((d) => d !== ''), ...SYSTEM_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next directory
    }
  }
  return name;
}
