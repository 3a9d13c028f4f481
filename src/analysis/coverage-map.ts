/**
 * The functions and branch arms of one policy source file, read from its syntax (TypeScript's
 * parser) rather than from V8's report: V8 reports only the functions it compiled, so totals taken
 * from it would depend on what ran. Offsets are UTF-16 offsets into the .ts text, which are V8's
 * offsets too because Node's type stripping replaces types with blanks (coverage.test.ts
 * checks every policy file keeps its length).
 *
 * An arm is read from the counts either at an offset where V8 keeps a counter (then-block,
 * else-block, `? :` arms, a logical operator's right operand, a case clause, a catch block, a
 * loop body) or as the difference of two counts (an `if` without `else` taken as false: reached
 * minus then; a short-circuit: reached minus right operand).
 */
import type TS from 'typescript';

export const ARM_KINDS = [
  'if-true',
  'if-false',
  'cond-true',
  'cond-false',
  'right',
  'short-circuit',
  'case',
  'catch',
  'loop-body',
] as const;
export type ArmKind = (typeof ARM_KINDS)[number];

export interface FunctionSite {
  /** Declared name, or the variable / property it is assigned to, or `<anonymous>`. */
  name: string;
  /** 1-based line of the function's start. */
  line: number;
  /** Offset of its first character and of its body (where the function's own count is read). */
  start: number;
  body: number;
  end: number;
  /** Index of the enclosing function (-1: module top level). */
  parent: number;
}

export interface BranchArm {
  kind: ArmKind;
  line: number;
  col: number;
  /** Count read at this offset... */
  at: number;
  /** ...or, when set, count(reach) - count(at): how often the point was reached and `at` was not. */
  reach?: number;
  /** Index in `functions` of the innermost function holding the arm (-1: module top level). */
  fn: number;
}

export interface CoverageMap {
  functions: FunctionSite[];
  arms: BranchArm[];
  /** Offset of each line's start, for line numbers of offsets and per-line counts. */
  lineStarts: number[];
}

/** The TypeScript module, loaded by the caller only when coverage runs (it is large). */
export type Ts = typeof TS;

function nameOf(ts: Ts, node: TS.Node): string {
  const named = (n: TS.Node | undefined): string | undefined =>
    n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined;
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name)
    return named(node.name) ?? '<anonymous>';
  const p = node.parent;
  if (p && ts.isVariableDeclaration(p)) return named(p.name) ?? '<anonymous>';
  if (p && ts.isPropertyAssignment(p)) return named(p.name) ?? '<anonymous>';
  if (ts.isFunctionExpression(node) && node.name) return node.name.text;
  return '<anonymous>';
}

export function coverageMap(ts: Ts, fileName: string, text: string): CoverageMap {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ESNext, true, ts.ScriptKind.TS);
  const functions: FunctionSite[] = [];
  const arms: BranchArm[] = [];
  const pos = (n: TS.Node): number => n.getStart(sf);
  const addArm = (kind: ArmKind, node: TS.Node, fn: number, reach?: TS.Node): void => {
    const at = pos(node);
    const lc = sf.getLineAndCharacterOfPosition(at);
    arms.push({
      kind,
      line: lc.line + 1,
      col: lc.character + 1,
      at,
      ...(reach ? { reach: pos(reach) } : {}),
      fn,
    });
  };
  const visit = (node: TS.Node, fn: number): void => {
    let inner = fn;
    if (
      (ts.isFunctionDeclaration(node) ||
        ts.isFunctionExpression(node) ||
        ts.isArrowFunction(node) ||
        ts.isMethodDeclaration(node)) &&
      node.body
    ) {
      const start = pos(node);
      const own = nameOf(ts, node);
      functions.push({
        // A callback is named after the function it sits in: `gup.<anonymous>`.
        name: own === '<anonymous>' && fn >= 0 ? `${functions[fn]!.name}.<anonymous>` : own,
        line: sf.getLineAndCharacterOfPosition(start).line + 1,
        start,
        body: pos(node.body),
        end: node.getEnd(),
        parent: fn,
      });
      inner = functions.length - 1;
    } else if (ts.isIfStatement(node)) {
      addArm('if-true', node.thenStatement, fn);
      if (node.elseStatement) addArm('if-false', node.elseStatement, fn);
      // No else: the false arm is the if reached without its then-block running.
      else addArm('if-false', node.thenStatement, fn, node);
    } else if (ts.isConditionalExpression(node)) {
      addArm('cond-true', node.whenTrue, fn);
      addArm('cond-false', node.whenFalse, fn);
    } else if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      if (
        op === ts.SyntaxKind.BarBarToken ||
        op === ts.SyntaxKind.AmpersandAmpersandToken ||
        op === ts.SyntaxKind.QuestionQuestionToken
      ) {
        addArm('right', node.right, fn);
        addArm('short-circuit', node.right, fn, node);
      }
    } else if (ts.isCaseClause(node) || ts.isDefaultClause(node)) {
      // V8 counts a clause from its first statement; an empty clause falls through and has none.
      const first = node.statements[0];
      if (first) addArm('case', first, fn);
    } else if (ts.isTryStatement(node) && node.catchClause) {
      addArm('catch', node.catchClause.block, fn);
    } else if (
      ts.isForStatement(node) ||
      ts.isForOfStatement(node) ||
      ts.isForInStatement(node) ||
      ts.isWhileStatement(node) ||
      ts.isDoStatement(node)
    ) {
      addArm('loop-body', node.statement, fn);
    }
    ts.forEachChild(node, (c) => visit(c, inner));
  };
  visit(sf, -1);
  return { functions, arms, lineStarts: [...sf.getLineStarts()] };
}

/** A V8 block range: [start, end) executed `count` times. */
export interface CountRange {
  start: number;
  end: number;
  count: number;
}

/**
 * Counts at offsets from V8's nested ranges: the innermost range holding an offset has its
 * count (V8's ranges nest: a function inside its parent, a block inside its function).
 */
export class RangeCounts {
  readonly #ranges: CountRange[];
  constructor(ranges: readonly CountRange[]) {
    // Innermost first: the shortest range holding an offset wins; of two equal ranges the later
    // one (V8 lists a function after the one it sits in).
    this.#ranges = ranges
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.end - a.r.start - (b.r.end - b.r.start) || b.i - a.i)
      .map((x) => x.r);
  }
  at(offset: number): number {
    for (const r of this.#ranges) if (r.start <= offset && offset < r.end) return r.count;
    return 0;
  }
  arm(a: BranchArm): number {
    const here = this.at(a.at);
    return a.reach === undefined ? here : Math.max(0, this.at(a.reach) - here);
  }
}
