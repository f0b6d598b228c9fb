/**
 * Type-checks a parsed where-clause against the columns it names and compiles it to a row
 * predicate: a tree of closures over the batch's column arrays, so nothing is ever eval'd.
 * Numbers stay numbers, 64-bit integers stay BigInt (JavaScript compares the two exactly);
 * arithmetic that mixes them is done in float64, as numexpr does.
 */
import { invalidAt, type BinaryOp, type Expr, type Literal, type TimeLiteral } from './parse.js';
import { fromNanos, parseDate, parseDuration, secondsToNanos, type TimeColumn } from './time.js';

/** What a column holds, for the checker: numbers (number or bigint), strings, or booleans. */
export type ValueKind = 'num' | 'str' | 'bool';
/** A column's kind, and for int64 datetimes/timedeltas their meaning, so a date string can be compared with them. */
export interface FieldKind {
  kind: ValueKind;
  time?: TimeColumn;
}

/** A column's values in one batch, row i at values[i * width + index]. */
export interface ColumnView {
  values: ArrayLike<number | bigint | string | boolean>;
  width: number;
  index: number;
}

type Value = number | bigint | string | boolean;
type RowFn = (cols: ColumnView[], i: number) => Value;

interface Compiled {
  kind: ValueKind;
  fn: RowFn;
  /** Set when the node is a constant (a literal or an operation on literals). */
  constant?: Value;
  /** A column of datetimes or timedeltas: constants compared with it are read as dates or durations. */
  time?: TimeColumn;
  /** A literal: its position, and whether it was written as Timestamp('...') or Timedelta('...'). */
  pos?: number;
  timeLiteral?: TimeLiteral;
}

/** A compiled where-clause: `fields[k]` is read into `cols[k]` for each batch. */
export interface Predicate {
  fields: string[];
  test: (cols: ColumnView[], i: number) => boolean;
}

export function compileWhere(tree: Expr, source: string, kindOf: (name: string, pos: number) => ValueKind | FieldKind): Predicate {
  const fields: string[] = [];
  const fail = (pos: number, message: string) => invalidAt(pos, message, source);
  const literalKind = (v: Literal): ValueKind => (typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : 'num');

  const compile = (e: Expr): Compiled => {
    switch (e.kind) {
      case 'literal': {
        const v = e.value;
        return { kind: literalKind(v), fn: () => v, constant: v, pos: e.pos, timeLiteral: e.time };
      }
      case 'field': {
        const info = kindOf(e.name, e.pos);
        const kind = typeof info === 'string' ? info : info.kind;
        const time = typeof info === 'string' ? undefined : info.time;
        let k = fields.indexOf(e.name);
        if (k < 0) k = fields.push(e.name) - 1;
        // Booleans come as 0/1 (a bitfield or enum): make them real booleans so ^ and == work.
        const fn: RowFn = kind === 'bool'
          ? (cols, i) => Boolean(cols[k].values[i * cols[k].width + cols[k].index])
          : (cols, i) => {
              const c = cols[k];
              return c.values[i * c.width + c.index];
            };
        return { kind, fn, time };
      }
      case 'unary': {
        const a = compile(e.arg);
        if (e.op === '~') {
          if (a.kind !== 'bool') throw fail(e.pos, `~ needs a condition, got a ${a.kind === 'num' ? 'number' : 'string'}`);
          return fold({ kind: 'bool', fn: (c, i) => !a.fn(c, i) }, a);
        }
        if (a.kind !== 'num') throw fail(e.pos, `unary ${e.op} needs a number`);
        if (e.op === '+') return a;
        return fold({ kind: 'num', fn: (c, i) => negate(a.fn(c, i) as number | bigint) }, a);
      }
      case 'in': {
        const a = compile(e.arg);
        const set = new Set<Value>();
        for (const v of e.values) {
          const c = conform(compile(v), a);
          if (c.constant === undefined) throw fail(v.pos, 'the values after `in` must be literals');
          if (c.kind !== a.kind) throw fail(v.pos, `cannot look for a ${kindName(a.kind)} among ${kindName(c.kind)}s`);
          set.add(c.constant);
          // 3 and 3n are different Set keys; a column may give either.
          if (typeof c.constant === 'bigint' && Number.isSafeInteger(Number(c.constant))) set.add(Number(c.constant));
          if (typeof c.constant === 'number' && Number.isInteger(c.constant)) set.add(BigInt(c.constant));
        }
        const neg = e.negated;
        return { kind: 'bool', fn: (c, i) => set.has(a.fn(c, i)) !== neg };
      }
      case 'binary':
        return binary(e.op, compile(e.left), compile(e.right), e.pos);
    }
  };

  const binary = (op: BinaryOp, a: Compiled, b: Compiled, pos: number): Compiled => {
    if (op !== '==' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') {
      for (const x of [a, b]) if (x.timeLiteral) throw fail(x.pos ?? pos, `a ${x.timeLiteral === 'datetime' ? 'Timestamp' : 'Timedelta'} is only compared, not used with ${op}`);
    }
    if (op === '&' || op === '|' || op === '^') {
      if (a.kind !== 'bool' || b.kind !== 'bool') {
        throw fail(pos, `${op} joins conditions, not ${a.kind !== 'bool' ? kindName(a.kind) : kindName(b.kind)}s: put each comparison in parentheses, as in (a > 1) ${op} (b < 2)`);
      }
      const f = op === '&' ? (c: ColumnView[], i: number) => (a.fn(c, i) as boolean) && (b.fn(c, i) as boolean)
        : op === '|' ? (c: ColumnView[], i: number) => (a.fn(c, i) as boolean) || (b.fn(c, i) as boolean)
        : (c: ColumnView[], i: number) => (a.fn(c, i) as boolean) !== (b.fn(c, i) as boolean);
      return fold({ kind: 'bool', fn: f }, a, b);
    }
    if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
      [a, b] = [conform(a, b), conform(b, a)];
      if (a.kind !== b.kind) throw fail(pos, `cannot compare a ${kindName(a.kind)} with a ${kindName(b.kind)}`);
      if (a.kind === 'bool' && op !== '==' && op !== '!=') throw fail(pos, `conditions can only be compared with == or !=`);
      return fold({ kind: 'bool', fn: comparator(op, a.fn, b.fn) }, a, b);
    }
    if (a.kind !== 'num' || b.kind !== 'num') throw fail(pos, `${op} needs numbers, got a ${kindName(a.kind !== 'num' ? a.kind : b.kind)}`);
    const f = arithmetic(op);
    return fold({ kind: 'num', fn: (c, i) => f(a.fn(c, i) as number | bigint, b.fn(c, i) as number | bigint) }, a, b);
  };

  /** A constant compared with a datetime/timedelta column, as int64 counts of its unit. */
  const conform = (c: Compiled, other: Compiled): Compiled => {
    if (c.constant === undefined) return c;
    const t = other.time;
    const lit = c.timeLiteral;
    if (!t) {
      if (lit && other.constant === undefined) throw fail(c.pos ?? 0, `a ${lit === 'datetime' ? 'Timestamp' : 'Timedelta'} is compared only with a ${lit} column`);
      return c;
    }
    if (lit && lit !== t.kind) throw fail(c.pos ?? 0, `a ${lit === 'datetime' ? 'Timestamp' : 'Timedelta'} cannot be compared with a ${t.kind} column`);
    const v = c.constant;
    let ns: bigint | null;
    if (typeof v === 'string') {
      ns = t.kind === 'datetime' ? parseDate(v) : parseDuration(v);
      if (ns === null) {
        throw fail(c.pos ?? 0, t.kind === 'datetime'
          ? `cannot read ${JSON.stringify(v)} as a date: write ISO 8601, as in '2020-01-02', '2020-01-02 12:00:30.5' or '2020-01-02T12:00+01:00'`
          : `cannot read ${JSON.stringify(v)} as a duration: write '1 days 02:00:00', '02:00:00' or '1h30m'`);
      }
    } else if (t.kind === 'timedelta' && typeof v !== 'boolean') {
      // pandas reads a bare number against a timedelta column as seconds.
      ns = secondsToNanos(v);
    } else return c;
    const value = fromNanos(ns, t.unit);
    return { kind: 'num', fn: () => value, constant: value, pos: c.pos };
  };

  const root = compile(tree);
  if (root.kind !== 'bool') throw fail(0, `the where-clause gives a ${kindName(root.kind)}, not a condition`);
  const fn = root.fn;
  return { fields, test: (cols, i) => fn(cols, i) as boolean };
}

/** Evaluates operations on constants once. */
function fold(node: Compiled, ...args: Compiled[]): Compiled {
  if (args.every((a) => a.constant !== undefined)) {
    const v = node.fn([], 0);
    return { kind: node.kind, fn: () => v, constant: v };
  }
  return node;
}

function kindName(k: ValueKind): string {
  return k === 'num' ? 'number' : k === 'str' ? 'string' : 'condition';
}

function negate(a: number | bigint): number | bigint {
  return -a;
}

function comparator(op: string, a: RowFn, b: RowFn): RowFn {
  switch (op) {
    // == between a bigint and a number compares their values exactly; === would not.
    case '==': return (c, i) => a(c, i) == b(c, i);
    case '!=': return (c, i) => a(c, i) != b(c, i);
    case '<': return (c, i) => a(c, i) < b(c, i);
    case '<=': return (c, i) => a(c, i) <= b(c, i);
    case '>': return (c, i) => a(c, i) > b(c, i);
    default: return (c, i) => a(c, i) >= b(c, i);
  }
}

type Arith = (a: number | bigint, b: number | bigint) => number | bigint;

function arithmetic(op: BinaryOp): Arith {
  const both = (a: number | bigint, b: number | bigint) => typeof a === 'bigint' && typeof b === 'bigint';
  switch (op) {
    case '+': return (a, b) => (both(a, b) ? (a as bigint) + (b as bigint) : Number(a) + Number(b));
    case '-': return (a, b) => (both(a, b) ? (a as bigint) - (b as bigint) : Number(a) - Number(b));
    case '*': return (a, b) => (both(a, b) ? (a as bigint) * (b as bigint) : Number(a) * Number(b));
    case '/': return (a, b) => Number(a) / Number(b);
    case '//': return (a, b) => {
      if (both(a, b) && b !== 0n) {
        const q = (a as bigint) / (b as bigint);
        return ((a as bigint) % (b as bigint) !== 0n && ((a as bigint) < 0n) !== ((b as bigint) < 0n)) ? q - 1n : q;
      }
      return Math.floor(Number(a) / Number(b));
    };
    // Python's % takes the divisor's sign.
    case '%': return (a, b) => {
      if (both(a, b) && b !== 0n) return (((a as bigint) % (b as bigint)) + (b as bigint)) % (b as bigint);
      const x = Number(a), y = Number(b);
      return ((x % y) + y) % y;
    };
    default: return (a, b) => (both(a, b) && (b as bigint) >= 0n ? (a as bigint) ** (b as bigint) : Number(a) ** Number(b));
  }
}
