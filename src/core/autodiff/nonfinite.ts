// Naming the operation that made a loss NaN or ±∞: the tape remembers the first non-finite node of
// an evaluation (its site id and operand values, see runtime.ts `tape.nonFinite()`); this maps it
// back to the user's operation, position and operand values. Pure TypeScript.

import type { AdSite, RewriteResult, SiteTree } from './rewrite';

/** The first operation of an evaluation whose value was NaN or ±∞. */
export interface NonFiniteOperation {
  /** `Math.sqrt`, `/`, `**`, `neg` ... */
  readonly op: string;
  readonly operands: readonly number[];
  /** Its value (NaN, Infinity or -Infinity). */
  readonly value: number;
  /** 1-based, in the JavaScript handed to `rewriteForAutodiff`. */
  readonly line: number;
  readonly column: number;
  /** True when every operand was finite: this operation left the domain (rather than passing a NaN on). */
  readonly fromFinite: boolean;
  /** The operation with its operand values, e.g. `Math.sqrt(-0.02)`, `1 / 0`. */
  readonly text: string;
}

const fmt = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
const fmtOperand = (v: number): string => (v < 0 || Object.is(v, -0) ? `(${fmt(v)})` : fmt(v));

function apply(op: string, a: readonly number[]): number {
  const [x = NaN, y = NaN] = a;
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return x / y;
    case '%': return x % y;
    case '**': return x ** y;
    case 'neg': return -x;
    case 'pos': return x;
    default: {
      const f = op.startsWith('Math.') ? (Math as unknown as Record<string, unknown>)[op.slice(5)] : undefined;
      return typeof f === 'function' ? (f as (...v: number[]) => number)(...a) : NaN;
    }
  }
}

function textOf(op: string, a: readonly number[]): string {
  if (op.startsWith('Math.')) return `${op}(${a.map(fmt).join(', ')})`;
  if (op === 'neg') return `-${fmtOperand(a[0] ?? NaN)}`;
  if (op === 'pos') return `+${fmtOperand(a[0] ?? NaN)}`;
  return `${a.length > 0 ? (op === '**' ? fmtOperand(a[0]!) : fmt(a[0]!)) : '?'} ${op} ${a.length > 1 ? (a[1]! < 0 ? `(${fmt(a[1]!)})` : fmt(a[1]!)) : '?'}`;
}

function describe(op: string, operands: readonly number[], line: number, column: number): NonFiniteOperation {
  return { op, operands, value: apply(op, operands), line, column, fromFinite: operands.every(Number.isFinite), text: textOf(op, operands) };
}

/**
 * The operation behind a `tape.nonFinite()` record of a module rewritten as `result` (null when the
 * site belongs to another module). A fused expression is re-evaluated from its leaf values, in
 * JavaScript's order, to find the sub-operation that first went non-finite.
 */
export function describeNonFinite(result: RewriteResult, site: number, operands: readonly number[]): NonFiniteOperation | null {
  const k = site - result.siteBase;
  if (site < 0 || k < 0 || k >= result.sites.length) return null;
  const s: AdSite = result.sites[k]!;
  if (s.kind === 'op') return describe(s.op, operands, s.line, s.column);
  let found: NonFiniteOperation | null = null;
  const evalTree = (t: SiteTree): number => {
    if ('leaf' in t) return operands[t.leaf] ?? NaN;
    if ('c' in t) return t.c;
    const args = t.args.map(evalTree);
    const v = apply(t.op, args);
    if (!found && !Number.isFinite(v)) found = describe(t.op, args, t.line, t.column);
    return v;
  };
  evalTree(s.tree);
  return found ?? { op: 'expression', operands, value: NaN, line: s.line, column: s.column, fromFinite: operands.every(Number.isFinite), text: 'an expression' };
}
