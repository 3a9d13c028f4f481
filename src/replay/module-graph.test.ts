import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { moduleGraph, moduleGraphHash } from './module-graph.ts';
import { policyIdentityHash } from './policy-info.ts';

describe('module graph identity', () => {
  it('follows relative imports: a change in a helper two imports away changes the hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-graph-'));
    writeFileSync(join(dir, 'fix.ts'), "import { order } from './helpers.ts';\nexport default order;\n");
    writeFileSync(join(dir, 'helpers.ts'), "export { order } from './ordering.ts';\n");
    writeFileSync(join(dir, 'ordering.ts'), 'export const order = ["zero", "cma"];\n');
    const entry = join(dir, 'fix.ts');
    expect(moduleGraph([entry]).sort()).toEqual(
      [join(dir, 'fix.ts'), join(dir, 'helpers.ts'), join(dir, 'ordering.ts')].sort(),
    );
    const before = moduleGraphHash([entry]);
    // An edit in place is seen by the same process (no module-level cache of file hashes):
    // a long-lived serve or nightly must expire acceptances of a policy edited since.
    writeFileSync(join(dir, 'ordering.ts'), 'export const order = ["cma"];\n');
    expect(moduleGraphHash([entry])).not.toBe(before);
    writeFileSync(join(dir, 'ordering.ts'), 'export const order = ["zero", "cma"];\n');
    expect(moduleGraphHash([entry])).toBe(before);
    // A second directory with the edited helper.
    const dir2 = mkdtempSync(join(tmpdir(), 'pb-graph-'));
    writeFileSync(join(dir2, 'fix.ts'), "import { order } from './helpers.ts';\nexport default order;\n");
    writeFileSync(join(dir2, 'helpers.ts'), "export { order } from './ordering.ts';\n");
    writeFileSync(join(dir2, 'ordering.ts'), 'export const order = ["cma", "zero"];\n');
    expect(moduleGraphHash([join(dir2, 'fix.ts')])).not.toBe(before);
    // The same content elsewhere hashes alike (no absolute paths in the hash).
    const dir3 = mkdtempSync(join(tmpdir(), 'pb-graph-'));
    writeFileSync(join(dir3, 'fix.ts'), "import { order } from './helpers.ts';\nexport default order;\n");
    writeFileSync(join(dir3, 'helpers.ts'), "export { order } from './ordering.ts';\n");
    writeFileSync(join(dir3, 'ordering.ts'), 'export const order = ["zero", "cma"];\n');
    expect(moduleGraphHash([join(dir3, 'fix.ts')])).toBe(before);
  });

  it("a release's identity covers the helpers its family versions import", () => {
    const v61 = getPolicy('v6.1');
    const pinnable = v61.versions.pinnable.module!;
    const graph = moduleGraph([pinnable]);
    expect(graph.some((p) => p.endsWith('mm-primitives.ts'))).toBe(true);
    expect(policyIdentityHash(v61)).toMatch(/^[0-9a-f]{64}$/);
    expect(policyIdentityHash(v61)).not.toBe(policyIdentityHash(getPolicy('v6.2')));
    // Same families, same numbering: same identity.
    expect(policyIdentityHash(getPolicy('v6.0-rc5'))).toBe(policyIdentityHash(getPolicy('v6.0')));
  });
});
