/**
 * The where-clause language, parsed by hand (never eval'd): PyTables/numexpr's condition syntax,
 * which HSDS's `read_where` also takes. Precedence is Python's, loosest first:
 *   `|`  <  `^`  <  `&`  <  comparisons  <  `+ -`  <  `* / // %`  <  unary `- + ~`  <  `**`
 * so `a > 1 & b < 2` means `a > (1 & b) < 2`, as in PyTables; the checker rejects that with a
 * hint to write `(a > 1) & (b < 2)`. The 'pandas' dialect is what `HDFStore.select(where=)`
 * takes: `| or` < `^` < `& and` < `~ not` < comparisons, so `a > 1 & b < 2` is two comparisons, and
 * `=` means `==`. Both take lists (`x in [1, 2]`, `x == [1, 2]` for `in`) and date and duration
 * literals (`Timestamp('2020-01-01')`, `Timedelta('1h')`). Every error names the 0-based
 * character position.
 */
import { H5Error } from '../errors.js';

export type Literal = number | bigint | string | boolean;

export type Expr =
  | { kind: 'literal'; value: Literal; bytes: boolean; pos: number; time?: TimeLiteral }
  | { kind: 'field'; name: string; pos: number }
  | { kind: 'unary'; op: '-' | '+' | '~'; arg: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: 'in'; arg: Expr; values: Expr[]; negated: boolean; pos: number };

export type BinaryOp = '|' | '^' | '&' | CompareOp | '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
/** A string written as `Timestamp('...')` (a date) or `Timedelta('...')` (a duration). */
export type TimeLiteral = 'datetime' | 'timedelta';
import type { Dialect } from '../api/query-contract.js';
export type { Dialect };

/** The calls that wrap a date or duration string, as pandas users write them. */
const TIME_CALLS = new Map<string, TimeLiteral>([
  ['Timestamp', 'datetime'], ['pd.Timestamp', 'datetime'], ['datetime64', 'datetime'], ['np.datetime64', 'datetime'],
  ['Timedelta', 'timedelta'], ['pd.Timedelta', 'timedelta'], ['timedelta64', 'timedelta'], ['np.timedelta64', 'timedelta'],
]);

interface Token {
  kind: 'num' | 'str' | 'name' | 'op' | 'end';
  text: string;
  pos: number;
  value?: Literal;
  bytes?: boolean;
}

const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '(', ')', ',', '[', ']'];
/** Longest expression we parse: a guard against pathological input, not a real-world limit. */
const MAX_LENGTH = 65536;
/** Nesting depth guard, so a hostile `((((...` cannot overflow the stack. */
const MAX_DEPTH = 200;

export function invalidAt(pos: number, message: string, source: string): H5Error {
  return new H5Error('Invalid', `where-clause at position ${pos}: ${message} in ${JSON.stringify(source)}`);
}

function tokenize(src: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    const bytesPrefix = (c === 'b' || c === 'B') && (src[i + 1] === '"' || src[i + 1] === "'");
    if (c === '"' || c === "'" || bytesPrefix) {
      if (bytesPrefix) i++;
      const quote = src[i++];
      let text = '';
      for (;;) {
        if (i >= src.length) throw invalidAt(start, 'unterminated string', src);
        const d = src[i++];
        if (d === quote) break;
        if (d === '\\') {
          const e = src[i++];
          if (e === undefined) throw invalidAt(start, 'unterminated string', src);
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
          if (e in simple) text += simple[e];
          else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(src.slice(i, i + 2))) { text += String.fromCharCode(parseInt(src.slice(i, i + 2), 16)); i += 2; }
          else throw invalidAt(i - 2, `unknown escape \\${e}`, src);
        } else text += d;
      }
      if (bytesPrefix && /[^\x00-\xff]/.test(text)) throw invalidAt(start, 'a bytes literal holds only characters up to \\xff', src);
      tokens.push({ kind: 'str', text: src.slice(start, i), pos: start, value: text, bytes: bytesPrefix });
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw invalidAt(start, 'unterminated `quoted name`', src);
      tokens.push({ kind: 'name', text: src.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    const num = /^(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      const text = num[0];
      i += text.length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) throw invalidAt(start, `malformed number ${JSON.stringify(text + src[i])}`, src);
      const isInt = /^\d+$/.test(text);
      const value = isInt && !Number.isSafeInteger(Number(text)) ? BigInt(text) : Number(text);
      tokens.push({ kind: 'num', text, pos: start, value });
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i));
    if (name) {
      i += name[0].length;
      tokens.push({ kind: 'name', text: name[0], pos: start });
      continue;
    }
    // pandas rewrites a lone `=` to `==` (its docs write `columns=['A']`, `index=date`).
    if (dialect === 'pandas' && c === '=' && src[i + 1] !== '=') {
      i++;
      tokens.push({ kind: 'op', text: '==', pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint = c === '=' ? ' (use == to compare)' : c === '!' ? ' (use ~ for not)' : '';
      throw invalidAt(start, `unexpected character ${JSON.stringify(c)}${hint}`, src);
    }
    i += op.length;
    tokens.push({ kind: 'op', text: op, pos: start });
  }
  tokens.push({ kind: 'end', text: '', pos: src.length });
  return tokens;
}

/** Parses a where-clause into an expression tree; throws H5Error('Invalid') naming the position. */
export function parseWhere(src: string, dialect: Dialect = 'pytables'): Expr {
  if (typeof src !== 'string') throw new H5Error('Invalid', 'the where-clause must be a string');
  if (src.length > MAX_LENGTH) throw new H5Error('Invalid', `the where-clause is ${src.length} characters, above ${MAX_LENGTH}`);
  const tokens = tokenize(src, dialect);
  const pandas = dialect === 'pandas';
  let at = 0;
  let depth = 0;
  const peek = () => tokens[at];
  const isOp = (text: string) => peek().kind === 'op' && peek().text === text;
  const isWord = (text: string) => peek().kind === 'name' && peek().text === text;
  const expect = (text: string) => {
    if (!isOp(text)) throw invalidAt(peek().pos, `expected ${JSON.stringify(text)}, found ${describe(peek())}`, src);
    at++;
  };
  const binaryLevel = (ops: BinaryOp[], next: () => Expr) => (): Expr => {
    let left = next();
    while (peek().kind === 'op' && (ops as string[]).includes(peek().text)) {
      const t = tokens[at++];
      left = { kind: 'binary', op: t.text as BinaryOp, left, right: next(), pos: t.pos };
    }
    return left;
  };

  const primary = (): Expr => {
    const t = peek();
    if (++depth > MAX_DEPTH) throw invalidAt(t.pos, `nesting deeper than ${MAX_DEPTH}`, src);
    try {
      if (t.kind === 'num' || t.kind === 'str') {
        at++;
        return { kind: 'literal', value: t.value!, bytes: t.bytes ?? false, pos: t.pos };
      }
      if (t.kind === 'name') {
        at++;
        if (t.text === 'True' || t.text === 'False') return { kind: 'literal', value: t.text === 'True', bytes: false, pos: t.pos };
        const time = TIME_CALLS.get(t.text);
        if (isOp('(') && time && tokens[at + 1]?.kind === 'str' && tokens[at + 2]?.text === ')') {
          const str = tokens[at + 1];
          at += 3;
          return { kind: 'literal', value: str.value!, bytes: false, pos: str.pos, time };
        }
        if (isOp('(')) {
          const hint = time ? `: ${t.text}() takes one string, as in ${t.text}('2020-01-01')` : '';
          throw invalidAt(t.pos, `function calls are not supported (${t.text}(...))${hint}`, src);
        }
        return { kind: 'field', name: t.text, pos: t.pos };
      }
      if (t.kind === 'op' && t.text === '(') {
        at++;
        const inner = top();
        expect(')');
        return inner;
      }
      throw invalidAt(t.pos, `expected a value, found ${describe(t)}`, src);
    } finally {
      depth--;
    }
  };
  const power = (): Expr => {
    const base = primary();
    if (isOp('**')) {
      const t = tokens[at++];
      return { kind: 'binary', op: '**', left: base, right: unary(), pos: t.pos };
    }
    return base;
  };
  const unary = (): Expr => {
    if (isOp('-') || isOp('+') || isOp('~')) {
      const t = tokens[at++];
      if (++depth > MAX_DEPTH) throw invalidAt(t.pos, `nesting deeper than ${MAX_DEPTH}`, src);
      const arg = unary();
      depth--;
      return { kind: 'unary', op: t.text as '-' | '+' | '~', arg, pos: t.pos };
    }
    return power();
  };
  const term = binaryLevel(['*', '/', '//', '%'], unary);
  const sum = binaryLevel(['+', '-'], term);
  const and = binaryLevel(['&'], sum);
  const xor = binaryLevel(['^'], and);
  const or = binaryLevel(['|'], xor);
  // Comparisons bind loosest, below & | ^, as in Python and so in PyTables' numexpr.
  const comparison = (): Expr => {
    const left = operand();
    const negated = isWord('not') && tokens[at + 1]?.kind === 'name' && tokens[at + 1].text === 'in';
    if (isWord('in') || negated) {
      const t = peek();
      at += negated ? 2 : 1;
      return { kind: 'in', arg: left, values: list(), negated, pos: t.pos };
    }
    const compare = ['==', '!=', '<', '<=', '>', '>='];
    if (peek().kind === 'op' && compare.includes(peek().text)) {
      const t = tokens[at++];
      // pandas: `x == [1, 2]` is `x in [1, 2]`, `x != [...]` its negation.
      if ((t.text === '==' || t.text === '!=') && isOp('[')) return { kind: 'in', arg: left, values: list(), negated: t.text === '!=', pos: t.pos };
      const right = operand();
      if (peek().kind === 'op' && compare.includes(peek().text)) {
        // `a > 1 & b < 2` reads as `a > (1 & b) < 2`: say where the parentheses go.
        if (right.kind === 'binary' && (right.op === '&' || right.op === '|' || right.op === '^')) {
          throw invalidAt(right.pos, `${right.op} binds tighter than comparisons: put each comparison in parentheses, as in (a > 1) ${right.op} (b < 2)`, src);
        }
        throw invalidAt(peek().pos, 'chained comparisons are not supported: write (a < b) & (b < c)', src);
      }
      return { kind: 'binary', op: t.text as CompareOp, left, right, pos: t.pos };
    }
    return left;
  };

  /** `(a, b)` or `[a, b]`, the values of an `in`. */
  function list(): Expr[] {
    const close = isOp('[') ? ']' : ')';
    expect(close === ']' ? '[' : '(');
    const values: Expr[] = [];
    if (!isOp(close)) {
      for (;;) {
        values.push(unary());
        if (!isOp(',')) break;
        at++;
        if (isOp(close)) break;
      }
    }
    expect(close);
    return values;
  }
  // pandas: `| or` < `^` < `& and` < `~ not` < comparisons, each comparison between two sums.
  const word = (ops: string[], words: string[]) => (peek().kind === 'op' && ops.includes(peek().text)) || (peek().kind === 'name' && words.includes(peek().text));
  const pandasNot = (): Expr => {
    if (word(['~'], ['not']) && !(tokens[at + 1]?.kind === 'name' && tokens[at + 1].text === 'in')) {
      const t = tokens[at++];
      if (++depth > MAX_DEPTH) throw invalidAt(t.pos, `nesting deeper than ${MAX_DEPTH}`, src);
      const arg = pandasNot();
      depth--;
      return { kind: 'unary', op: '~', arg, pos: t.pos };
    }
    return comparison();
  };
  const pandasLevel = (op: '&' | '|' | '^', w: string, next: () => Expr) => (): Expr => {
    let left = next();
    while (word([op], [w])) {
      const t = tokens[at++];
      left = { kind: 'binary', op, left, right: next(), pos: t.pos };
    }
    return left;
  };
  const pandasOr = pandasLevel('|', 'or', pandasLevel('^', '^', pandasLevel('&', 'and', pandasNot)));
  function operand(): Expr {
    return pandas ? sum() : or();
  }
  function top(): Expr {
    return pandas ? pandasOr() : comparison();
  }

  const tree = top();
  if (peek().kind !== 'end') {
    const t = peek();
    const hint = t.kind === 'name' && (t.text === 'and' || t.text === 'or') ? ` (use ${t.text === 'and' ? '&' : '|'} with parentheses)` : '';
    throw invalidAt(t.pos, `unexpected ${describe(t)}${hint}`, src);
  }
  return tree;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the expression' : JSON.stringify(t.text);
}

/** Every field name an expression reads, in first-use order. */
export function fieldsOf(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'field':
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case 'unary':
      fieldsOf(e.arg, out);
      break;
    case 'binary':
      fieldsOf(e.left, out);
      fieldsOf(e.right, out);
      break;
    case 'in':
      fieldsOf(e.arg, out);
      for (const v of e.values) fieldsOf(v, out);
      break;
  }
  return out;
}
