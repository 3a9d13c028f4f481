/**
 * vitest globalSetup: the suite must leave the checkout as it found it (tests write to temp dirs
 * only). Compares the checkout before and after the run and fails the run naming what changed.
 */
import { fileURLToPath } from 'node:url';
import { checkoutChanges, checkoutState } from './checkout-state.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default function setup(): () => void {
  let before: ReturnType<typeof checkoutState>;
  try {
    before = checkoutState(ROOT);
  } catch (e) {
    // Not a git checkout (an unpacked tarball) or no git: nothing to compare against.
    console.warn(`checkout guard off: ${(e as Error).message.split('\n')[0]}`);
    return () => {};
  }
  return () => {
    const changes = checkoutChanges(before, checkoutState(ROOT));
    if (changes.length > 0) {
      throw new Error(
        `the test run changed the checkout (tests must write to temp dirs only; or files were edited while it ran):\n  ${changes.join('\n  ')}`,
      );
    }
  };
}
