/**
 * Splits a vocabulary payload into `key=value` fields and remembers the column of each value, so
 * a bad field is reported compiler-style at the character where it starts. Values are bare
 * tokens (`0x1000`, `FOLL_WRITE|FOLL_LONGTERM`, `a,b,zero`) or double-quoted strings with `\"`.
 */
export interface ScannedField {
  key: string;
  value: string;
  /** 1-based column of the value's first character in the original line. */
  col: number;
  /** 1-based column of the key. */
  keyCol: number;
}

export interface ScanResult {
  fields: ScannedField[];
  /** Words with no `=`, with their columns (a vocabulary event has none; markers may). */
  bare: { word: string; col: number }[];
}

export function scanFields(payload: string, payloadCol: number): ScanResult {
  const fields: ScannedField[] = [];
  const bare: { word: string; col: number }[] = [];
  const n = payload.length;
  let i = 0;
  while (i < n) {
    while (i < n && (payload[i] === ' ' || payload[i] === '\t')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && payload[i] !== '=' && payload[i] !== ' ' && payload[i] !== '\t') i++;
    if (i >= n || payload[i] !== '=') {
      bare.push({ word: payload.slice(start, i), col: payloadCol + start });
      continue;
    }
    const key = payload.slice(start, i);
    i++; // '='
    const valueStart = i;
    let value: string;
    if (payload[i] === '"') {
      let out = '';
      i++;
      while (i < n && payload[i] !== '"') {
        if (payload[i] === '\\' && i + 1 < n) i++;
        out += payload[i];
        i++;
      }
      i++; // closing quote (or end)
      value = out;
    } else {
      while (i < n && payload[i] !== ' ' && payload[i] !== '\t') i++;
      value = payload.slice(valueStart, i);
    }
    fields.push({ key, value, col: payloadCol + valueStart, keyCol: payloadCol + start });
  }
  return { fields, bare };
}
