/**
 * The pickles pandas puts in HDFStore attributes (`non_index_axes`, `values_block_0_kind`, `info`)
 * are Python pickle protocol 0: text opcodes building lists, tuples, dicts and strings. This reads
 * that data subset and nothing more: a class reference (`c`) and its call (`R`) become inert
 * `{ global, args }` records, so nothing is ever imported or run.
 */
import { H5Error } from '../errors.js';

export interface PickleGlobal {
  global: string;
  args?: unknown;
}

export type PickleValue = null | boolean | number | bigint | string | PickleValue[] | Map<PickleValue, PickleValue> | PickleGlobal;

const MARK = Symbol('mark');

export function unpickle(input: string | Uint8Array): PickleValue {
  const text = typeof input === 'string' ? input : latin1(input);
  const stack: unknown[] = [];
  const memo = new Map<string, unknown>();
  let i = 0;
  const line = () => {
    const end = text.indexOf('\n', i);
    if (end < 0) throw bad('a line without its newline', i);
    const s = text.slice(i, end);
    i = end + 1;
    return s;
  };
  const popMark = () => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) throw bad('no mark', i);
    const items = stack.splice(k);
    items.shift();
    return items;
  };
  while (i < text.length) {
    const op = text[i++];
    switch (op) {
      case '(': stack.push(MARK); break;
      case '.': return stack.pop() as PickleValue;
      case 'N': stack.push(null); break;
      case ')': stack.push([]); break;
      case ']': stack.push([]); break;
      case '}': stack.push(new Map()); break;
      case 'l': case 't': stack.push(popMark()); break;
      case 'd': {
        const items = popMark();
        const m = new Map();
        for (let k = 0; k + 1 < items.length; k += 2) m.set(items[k], items[k + 1]);
        stack.push(m);
        break;
      }
      case 'I': {
        const s = line();
        // Protocol 0 writes booleans as I00 / I01.
        stack.push(s === '00' ? false : s === '01' ? true : Number(s));
        break;
      }
      case 'L': stack.push(BigInt(line().replace(/L$/, ''))); break;
      case 'F': stack.push(Number(line())); break;
      case 'V': stack.push(rawUnicodeEscape(line())); break;
      case 'S': stack.push(pyStringLiteral(line(), i)); break;
      case 'p': memo.set(line(), stack[stack.length - 1]); break;
      case 'g': {
        const k = line();
        if (!memo.has(k)) throw bad(`memo ${k} read before it was written`, i);
        stack.push(memo.get(k));
        break;
      }
      case '0': stack.pop(); break;
      case 'a': { const v = stack.pop(); (stack[stack.length - 1] as unknown[]).push(v); break; }
      case 'e': { const items = popMark(); (stack[stack.length - 1] as unknown[]).push(...items); break; }
      case 's': { const v = stack.pop(); const k = stack.pop(); (stack[stack.length - 1] as Map<unknown, unknown>).set(k, v); break; }
      case 'u': {
        const items = popMark();
        const m = stack[stack.length - 1] as Map<unknown, unknown>;
        for (let k = 0; k + 1 < items.length; k += 2) m.set(items[k], items[k + 1]);
        break;
      }
      case 'c': { const mod = line(); const name = line(); stack.push({ global: `${mod}.${name}` }); break; }
      case 'R': { const args = stack.pop(); const g = stack.pop() as PickleGlobal; stack.push({ global: g.global, args }); break; }
      case 'b': stack.pop(); break; // BUILD sets an object's state; the inert record keeps none
      default:
        throw new H5Error('Unsupported', `pandas metadata pickle: opcode ${JSON.stringify(op)} at ${i - 1} is outside protocol 0's data subset`);
    }
  }
  throw bad('no STOP', i);
}

function bad(what: string, at: number): H5Error {
  return new H5Error('Corrupt', `pandas metadata pickle: ${what} at ${at}`);
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/** The V opcode's text is raw-unicode-escape: Latin-1 characters, \uXXXX escapes for the rest. */
function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a, b) => String.fromCodePoint(parseInt(a ?? b, 16)));
}

function pyStringLiteral(s: string, at: number): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q) throw bad('a malformed S string', at);
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? e;
  });
}

/** An attribute pandas writes as a string (PyTables may give it as bytes) as a string. */
export function attrText(v: unknown): string {
  return typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v ?? '');
}

/** A dict's entry by string key, or undefined. */
export function dictGet(d: PickleValue | undefined, key: string | number): PickleValue | undefined {
  return d instanceof Map ? d.get(key) : undefined;
}
