/**
 * `key=value` pairs of a payload, split only when a consumer asks (splitting every payload
 * eagerly halves the ingest rate, see stack.md). Words without `=` are not fields; a value runs
 * to the next space unless it starts with `"`, then to the closing quote (quotes removed). The
 * first `=` splits, so `pfn=0x3b34(=zero_pfn)` gives `pfn` -> `0x3b34(=zero_pfn)`. A later
 * duplicate key wins.
 */
export function parseFields(payload: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const n = payload.length;
  let i = 0;
  while (i < n) {
    while (i < n && payload.charCodeAt(i) === 32) i++;
    const keyStart = i;
    let c = 0;
    while (i < n) {
      c = payload.charCodeAt(i);
      if (c === 61 || c === 32) break;
      i++;
    }
    if (i >= n || c === 32 || i === keyStart) {
      // a bare word (or `=value` with no key): skip to the next space
      while (i < n && payload.charCodeAt(i) !== 32) i++;
      continue;
    }
    const key = payload.slice(keyStart, i);
    i++; // '='
    let value: string;
    if (payload.charCodeAt(i) === 34) {
      const close = payload.indexOf('"', i + 1);
      if (close === -1) {
        value = payload.slice(i + 1);
        i = n;
      } else if (close + 1 >= n || payload.charCodeAt(close + 1) === 32) {
        value = payload.slice(i + 1, close);
        i = close + 1;
      } else {
        // `"a"b`: not a quoted value after all; take it raw up to the next space
        const vs = i;
        i = close + 1;
        while (i < n && payload.charCodeAt(i) !== 32) i++;
        value = payload.slice(vs, i);
      }
    } else {
      const vs = i;
      while (i < n && payload.charCodeAt(i) !== 32) i++;
      value = payload.slice(vs, i);
    }
    out[key] = value;
  }
  return out;
}
