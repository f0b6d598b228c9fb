/**
 * The pickles pandas puts in HDFStore attributes (`non_index_axes`, `values_block_0_kind`, `info`)
 * are Python pickle protocol 0: text opcodes building lists, tuples, dicts and strings; the
 * object blocks of `format='fixed'` frames (string columns) are numpy object arrays pickled with
 * protocol 4 or 5. This reads the data opcodes of both and nothing more: a class reference
 * (`c`, STACK_GLOBAL) and its call (`R`) become inert `{ global, args }` records, BUILD keeps its
 * state on them, so nothing is ever imported or run.
 */
import { H5Error } from '../errors.js';

export interface PickleGlobal {
  global: string;
  args?: unknown;
  /** What BUILD would have passed to __setstate__ (a numpy array's (version, shape, dtype, fortran, data)). */
  state?: unknown;
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
  /** n bytes of the input as a byte array (the text holds one byte per character). */
  const bytes = (n: number) => {
    if (i + n > text.length) throw bad('a truncated argument', i);
    const b = Uint8Array.from({ length: n }, (_, k) => text.charCodeAt(i + k));
    i += n;
    return b;
  };
  const uint = (n: number) => {
    const b = bytes(n);
    let v = 0;
    for (let k = n - 1; k >= 0; k--) v = v * 256 + b[k]!;
    return v;
  };
  const utf8 = (n: number) => new TextDecoder().decode(bytes(n));
  const tuple = (n: number) => {
    if (stack.length < n) throw bad('a tuple of more items than the stack holds', i);
    return stack.splice(stack.length - n);
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
      case 'b': {
        // BUILD sets an object's state: the inert record keeps it as data.
        const state = stack.pop();
        const target = stack[stack.length - 1];
        if (target && typeof target === 'object' && 'global' in target) (target as PickleGlobal).state = state;
        break;
      }
      // Protocols 2-5, the binary opcodes numpy's and pandas' pickles use.
      case '\x80': i++; break; // PROTO n
      case '\x95': i += 8; break; // FRAME: a length prefix, no data of its own
      case '\x94': memo.set(String(memo.size), stack[stack.length - 1]); break; // MEMOIZE
      case 'q': memo.set(String(uint(1)), stack[stack.length - 1]); break; // BINPUT
      case 'r': memo.set(String(uint(4)), stack[stack.length - 1]); break; // LONG_BINPUT
      case 'h': case 'j': {
        const k = String(uint(op === 'h' ? 1 : 4));
        if (!memo.has(k)) throw bad(`memo ${k} read before it was written`, i);
        stack.push(memo.get(k));
        break;
      }
      case 'K': stack.push(uint(1)); break;
      case 'M': stack.push(uint(2)); break;
      case 'J': stack.push(uint(4) | 0); break; // BININT: signed 32-bit
      case 'G': stack.push(new DataView(bytes(8).buffer).getFloat64(0)); break; // BINFLOAT, big-endian
      case '\x8a': { // LONG1: n-byte little-endian two's complement
        const b = bytes(uint(1));
        let v = 0n;
        for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
        if (b.length && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
        stack.push(v);
        break;
      }
      case '\x88': stack.push(true); break;
      case '\x89': stack.push(false); break;
      case '\x8c': stack.push(utf8(uint(1))); break; // SHORT_BINUNICODE
      case 'X': stack.push(utf8(uint(4))); break; // BINUNICODE
      case '\x8d': stack.push(utf8(uint(8))); break; // BINUNICODE8
      case 'C': stack.push(bytes(uint(1))); break; // SHORT_BINBYTES
      case 'B': stack.push(bytes(uint(4))); break; // BINBYTES
      case 'U': stack.push(latin1(bytes(uint(1)))); break; // SHORT_BINSTRING
      case 'T': stack.push(latin1(bytes(uint(4)))); break; // BINSTRING
      case '\x85': stack.push(tuple(1)); break;
      case '\x86': stack.push(tuple(2)); break;
      case '\x87': stack.push(tuple(3)); break;
      case '\x93': { // STACK_GLOBAL: module and name from the stack, an inert record
        const [mod, name] = tuple(2);
        stack.push({ global: `${String(mod)}.${String(name)}` });
        break;
      }
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
