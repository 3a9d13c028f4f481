/**
 * Delta debugging (Zeller and Hildebrandt's ddmin): the smallest subset of `items` that still
 * passes `test`, 1-minimal (removing any single item fails the test). Items keep their order in
 * every candidate. `test` is never asked twice about the same subset.
 *
 * `stop` (a budget) is asked before each test: once it says so, the search ends with the
 * smallest subset found so far, which still passes but may not be 1-minimal.
 */
export async function ddmin<T>(
  items: readonly T[],
  test: (subset: readonly T[]) => boolean | Promise<boolean>,
  stop: () => boolean = () => false,
): Promise<T[]> {
  const asked = new Map<string, boolean>();
  const key = (xs: readonly T[]): string => xs.map((x) => items.indexOf(x)).join(',');
  class Stopped extends Error {}
  const ask = async (xs: readonly T[]): Promise<boolean> => {
    const k = key(xs);
    let r = asked.get(k);
    if (r === undefined) {
      if (stop()) throw new Stopped();
      r = await test(xs);
      asked.set(k, r);
    }
    return r;
  };
  let current = [...items];
  try {
    return await search();
  } catch (e) {
    if (e instanceof Stopped) return current;
    throw e;
  }

  async function search(): Promise<T[]> {
    if (current.length > 0 && (await ask([]))) return [];
    let n = 2;
    while (current.length >= 2) {
      const chunks = split(current, n);
      let reduced = false;
      for (const chunk of chunks) {
        if (chunk.length < current.length && (await ask(chunk))) {
          current = chunk;
          n = 2;
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        for (let i = 0; i < chunks.length; i++) {
          const rest = chunks.filter((_, j) => j !== i).flat();
          if (await ask(rest)) {
            current = rest;
            n = Math.max(n - 1, 2);
            reduced = true;
            break;
          }
        }
      }
      if (!reduced) {
        if (n >= current.length) break;
        n = Math.min(current.length, n * 2);
      }
    }
    // One item left: it may go too (the chunk loop needs two).
    if (current.length === 1 && (await ask([]))) return [];
    return current;
  }
}

function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((xs.length - start) / (n - i));
    if (end > start) out.push(xs.slice(start, end));
    start = end;
  }
  return out;
}
