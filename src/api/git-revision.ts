/** The git revision of the policies a run used, and whether they had uncommitted changes. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function policiesRevision(
  cwd: string,
): Promise<{ gitRevision: string | null; gitDirty: boolean | null }> {
  try {
    const { stdout: rev } = await run('git', ['rev-parse', 'HEAD'], { cwd });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--', 'policies', 'src/model'], {
      cwd,
    });
    return { gitRevision: rev.trim(), gitDirty: status.trim().length > 0 };
  } catch {
    // Not a git checkout (an unpacked tarball, say): the run is still valid, just unattributed.
    return { gitRevision: null, gitDirty: null };
  }
}
