/**
 * The `pinbench_config` lines a slice written back as text needs: those in force when its
 * scenario starts. A config line sets only the fields it names and later lines override earlier
 * ones field by field (event-stream.ts), so a line every field of which later lines set again
 * before the scenario says nothing the scenario sees. Keeping only the lines still in force keeps
 * a slice's preamble bounded by the number of config fields instead of growing with its position
 * in the trace (a synthetic trace sets the config between scenarios: its 228th scenario had 54
 * config lines before it, 4 events of its own once minimised), and keeps the reader's memory
 * flat on a trace of any length.
 *
 *   const cfg = new ConfigLines();
 *   cfg.add(10, text10, ['arch', 'cma']);
 *   cfg.add(20, text20, ['arch', 'cma', 'zero_pfn']);
 *   cfg.before(30); // [line 20]: line 10 sets nothing line 20 does not set again
 *   cfg.before(15); // [line 10]
 */

export interface ConfigLine {
  line: number;
  text: string;
}

interface Tracked extends ConfigLine {
  /** The line from which later lines set every field this one sets: no slice starting after it needs it. */
  supersededAt?: number;
}

export class ConfigLines {
  private readonly lines: Tracked[] = [];
  /** Lines some field of which is still in force, with those fields (each field in one line at most). */
  private readonly open: { l: Tracked; keys: Set<string> }[] = [];

  /**
   * Notes a config line and the fields it sets; `keys` null for a line that holds whatever
   * follows (a recording's marker: never superseded).
   */
  add(line: number, text: string, keys: readonly string[] | null): void {
    const l: Tracked = { line, text };
    if (keys !== null) {
      for (let i = this.open.length - 1; i >= 0; i--) {
        const o = this.open[i]!;
        for (const k of keys) o.keys.delete(k);
        if (o.keys.size === 0) {
          o.l.supersededAt = line;
          this.open.splice(i, 1);
        }
      }
      if (keys.length === 0) l.supersededAt = line;
      else this.open.push({ l, keys: new Set(keys) });
    }
    this.lines.push(l);
  }

  /** The lines in force at `line` (a scenario's start), in trace order. */
  before(line: number): ConfigLine[] {
    const out: ConfigLine[] = [];
    for (const l of this.lines) {
      if (l.line >= line) break;
      if (l.supersededAt !== undefined && l.supersededAt < line) continue;
      out.push({ line: l.line, text: l.text });
    }
    return out;
  }

  /** Forgets lines no scenario starting after `line` needs (the reader has passed it). */
  forgetBefore(line: number): void {
    let w = 0;
    for (const l of this.lines)
      if (l.supersededAt === undefined || l.supersededAt >= line) this.lines[w++] = l;
    this.lines.length = w;
  }
}
