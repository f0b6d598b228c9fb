/**
 * Hostile and unusual input for the header layer: damaged real files (a flipped byte, a
 * truncated copy, random byte flips) and hand-built headers for cases the library never writes
 * (continuation cycles, must-understand unknown messages, 2-byte offsets). Every failure must
 * be an H5Error with the right code, never a TypeError/RangeError.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import { H5Error, isH5Error } from '../src/errors.js';
import { lookup3 } from '../src/format/checksum.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS, type Limits } from '../src/format/limits.js';
import {
  decodeAttributeMessage,
  decodeDataspace,
  decodeDatatypeMessage,
  decodeFillValue,
  decodeFilterPipeline,
  decodeLayout,
  decodeLinkMessage,
} from '../src/format/messages/index.js';
import { readObjectHeader, readObjectHeaderRaw } from '../src/format/object-header.js';
import { decodeSharedBody, resolveSharedMessage } from '../src/format/shared-message.js';
import { readFileSohmTable, readSohmIndexRecords, sohmIndexFor } from '../src/format/sohm.js';
import { readSuperblock, readSuperblockExtension } from '../src/format/superblock.js';
import { MessageType, type HeaderMessage } from '../src/format/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CORPUS = resolve(HERE, '../../shared/corpus');
const FIXTURES = resolve(HERE, '../fixtures');
const HAVE_CORPUS = existsSync(CORPUS);

function ctxFor(bytes: Uint8Array, base = 0, O = 8, L = 8, limits: Limits = DEFAULT_LIMITS): FormatContext {
  return { source: new MemorySource(bytes), baseAddress: base, sizeOfOffsets: O, sizeOfLengths: L, limits, parsed: new Map() };
}

/** Resolves to the thrown error (failing if nothing is thrown). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

async function expectH5Error(p: Promise<unknown>, code: string): Promise<H5Error> {
  const e = await failure(p);
  if (!isH5Error(e)) throw new Error(`expected an H5Error ${code}, got ${String(e)}`);
  expect(e.code).toBe(code);
  return e;
}

/** Superblock, extension, every oracle object header with all messages resolved and decoded. */
async function readEverything(bytes: Uint8Array, manifest: { objects: Record<string, { object_header?: { address?: number } }> }): Promise<void> {
  const source = new MemorySource(bytes);
  const sb = await readSuperblock(source, { limits: DEFAULT_LIMITS });
  const ctx: FormatContext = { source, baseAddress: sb.baseAddress, sizeOfOffsets: sb.sizeOfOffsets, sizeOfLengths: sb.sizeOfLengths, limits: DEFAULT_LIMITS, parsed: new Map() };
  await readSuperblockExtension(ctx, sb);
  await walkObjects(ctx, sb.extensionAddress, manifest);
}

async function walkObjects(ctx: FormatContext, extensionAddress: number | null, manifest: { objects: Record<string, { object_header?: { address?: number } }> }): Promise<void> {
  const sohm = () => readFileSohmTable(ctx, { extensionAddress });
  for (const obj of Object.values(manifest.objects)) {
    const a = obj.object_header?.address;
    if (a === undefined) continue;
    const oh = await readObjectHeader(ctx, a);
    for (const m of oh.messages) decode(ctx, await resolveSharedMessage(ctx, m, sohm));
  }
}

function decode(ctx: FormatContext, m: HeaderMessage): void {
  switch (m.type) {
    case MessageType.DATASPACE: decodeDataspace(m.body, ctx, m.address); break;
    case MessageType.DATATYPE: decodeDatatypeMessage(m.body, m.address); break;
    case MessageType.FILL_VALUE: decodeFillValue(m.body, ctx, m.address); break;
    case MessageType.LAYOUT: decodeLayout(m.body, ctx, m.address); break;
    case MessageType.FILTER_PIPELINE: decodeFilterPipeline(m.body, ctx, m.address); break;
    case MessageType.ATTRIBUTE: decodeAttributeMessage(m.body, ctx, m.address); break;
    case MessageType.LINK: decodeLinkMessage(m.body, ctx, m.address); break;
  }
}

// ---- hand-built headers ----

function le16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}
function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function le64(v: number): number[] {
  return [...le32(v % 2 ** 32), ...le32(Math.floor(v / 2 ** 32))];
}

/** A v1 object header: 16-byte prefix, then messages of type(2) size(2) flags(1) reserved(3), bodies padded to 8. */
function v1Header(messages: { type: number; flags?: number; body: number[] }[]): number[] {
  const chunk: number[] = [];
  for (const m of messages) {
    const body = [...m.body];
    while (body.length % 8) body.push(0);
    chunk.push(...le16(m.type), ...le16(body.length), m.flags ?? 0, 0, 0, 0, ...body);
  }
  return [1, 0, ...le16(messages.length), ...le32(1), ...le32(chunk.length), 0, 0, 0, 0, ...chunk];
}

function v1Chunk(messages: { type: number; flags?: number; body: number[] }[]): number[] {
  return v1Header(messages).slice(16);
}

function withChecksum(bytes: number[]): number[] {
  return [...bytes, ...le32(lookup3(Uint8Array.from(bytes)))];
}

/** A v2 object header (1-byte chunk size, no times): 'OHDR', 2, flags 0, size, messages, checksum. */
function v2Header(messages: { type: number; flags?: number; body: number[] }[]): number[] {
  const chunk: number[] = [];
  for (const m of messages) chunk.push(m.type, ...le16(m.body.length), m.flags ?? 0, ...m.body);
  return withChecksum([0x4f, 0x48, 0x44, 0x52, 2, 0, chunk.length, ...chunk]);
}

function v2Continuation(messages: { type: number; flags?: number; body: number[] }[]): number[] {
  const chunk: number[] = [];
  for (const m of messages) chunk.push(m.type, ...le16(m.body.length), m.flags ?? 0, ...m.body);
  return withChecksum([0x4f, 0x43, 0x48, 0x4b, ...chunk]);
}

function place(size: number, parts: [number, number[]][]): Uint8Array {
  const out = new Uint8Array(size);
  for (const [at, b] of parts) out.set(b, at);
  return out;
}

const cont = (address: number, length: number) => ({ type: MessageType.CONTINUATION, body: [...le64(address), ...le64(length)] });
/** A version 2 scalar dataspace. */
const SCALAR = { type: MessageType.DATASPACE, body: [2, 0, 0, 0] };

describe('hand-built object headers', () => {
  it('reads a v1 header whose continuation block holds further messages', async () => {
    const bytes = place(256, [
      [0, v1Header([SCALAR, cont(128, 16)])],
      [128, v1Chunk([{ type: MessageType.COMMENT, body: [0x68, 0x69, 0] }])],
    ]);
    const oh = await readObjectHeader(ctxFor(bytes), 0);
    expect(oh.version).toBe(1);
    expect(oh.messages.map((m) => m.type)).toEqual([MessageType.DATASPACE, MessageType.CONTINUATION, MessageType.COMMENT]);
    expect(oh.chunks).toEqual([{ address: 16, size: 40 }, { address: 128, size: 16 }]); // 8+8 and 8+16 bytes
  });

  it('calls a v1 continuation that points back at its own chunk Corrupt', async () => {
    const bytes = place(256, [[0, v1Header([SCALAR, cont(16, 32)])]]);
    const e = await expectH5Error(readObjectHeader(ctxFor(bytes), 0), 'Corrupt');
    expect(e.message).toMatch(/loops back/);
  });

  it('calls a cycle between two v2 continuation blocks Corrupt', async () => {
    const a = v2Continuation([cont(200, 0)]); // length patched below
    const b = v2Continuation([cont(100, a.length)]);
    const a2 = v2Continuation([cont(200, b.length)]);
    const bytes = place(400, [[0, v2Header([SCALAR, cont(100, a2.length)])], [100, a2], [200, b]]);
    const e = await expectH5Error(readObjectHeader(ctxFor(bytes), 0), 'Corrupt');
    expect(e.message).toMatch(/loops back/);
  });

  it('fetches all continuation blocks named in one chunk in the same wave', async () => {
    const c1 = v2Continuation([{ type: MessageType.COMMENT, body: [0x61, 0] }]);
    const c2 = v2Continuation([{ type: MessageType.COMMENT, body: [0x62, 0] }]);
    const bytes = place(512, [[0, v2Header([SCALAR, cont(200, c1.length), cont(300, c2.length)])], [200, c1], [300, c2]]);
    const inner = new MemorySource(bytes);
    const waves: number[][] = [];
    let pending: number[] | null = null;
    const source = {
      key: inner.key,
      size: inner.size,
      read(offset: number, length: number) {
        // Reads issued in the same tick belong to one wave.
        if (!pending) {
          pending = [];
          waves.push(pending);
          queueMicrotask(() => (pending = null));
        }
        pending.push(offset);
        return inner.read(offset, length);
      },
    };
    const ctx: FormatContext = { source, baseAddress: 0, sizeOfOffsets: 8, sizeOfLengths: 8, limits: DEFAULT_LIMITS, parsed: new Map() };
    const oh = await readObjectHeader(ctx, 0);
    expect(oh.messages.filter((m) => m.type === MessageType.COMMENT).map((m) => m.body[0])).toEqual([0x61, 0x62]);
    expect(waves).toEqual([[0], [200, 300]]);
  });

  it('stops at the continuation limit with a Limit error', async () => {
    const c1 = v2Continuation([{ type: MessageType.COMMENT, body: [0x61, 0] }]);
    const bytes = place(512, [[0, v2Header([cont(200, c1.length), cont(300, c1.length)])], [200, c1], [300, c1]]);
    await expectH5Error(readObjectHeader(ctxFor(bytes, 0, 8, 8, { ...DEFAULT_LIMITS, maxContinuations: 1 }), 0), 'Limit');
    await expect(readObjectHeader(ctxFor(bytes, 0, 8, 8, { ...DEFAULT_LIMITS, maxContinuations: 2 }), 0)).resolves.toBeTruthy();
  });

  it('stops at the message-count limit with a Limit error', async () => {
    const bytes = place(256, [[0, v1Header([SCALAR, SCALAR, SCALAR])]]);
    await expectH5Error(readObjectHeader(ctxFor(bytes, 0, 8, 8, { ...DEFAULT_LIMITS, maxHeaderMessages: 2 }), 0), 'Limit');
  });

  it('skips an unknown message, unless it is flagged "fail if unknown always"', async () => {
    const unknown = (flags: number) => place(128, [[0, v1Header([SCALAR, { type: 0x99, flags, body: [1, 2, 3] }])]]);
    const oh = await readObjectHeader(ctxFor(unknown(0x08)), 0); // bit 3 only matters when writing
    expect(oh.messages.map((m) => m.type)).toEqual([MessageType.DATASPACE]);
    const raw = await readObjectHeaderRaw(ctxFor(unknown(0x08)), 0);
    expect(raw.messages.map((m) => m.type)).toEqual([MessageType.DATASPACE, 0x99]);
    await expectH5Error(readObjectHeader(ctxFor(unknown(0x80)), 0), 'Unsupported');
  });

  it('drops NIL messages and the gap at the end of a v2 chunk', async () => {
    const chunk = [SCALAR, { type: MessageType.NIL, body: [0, 0, 0] }];
    const body: number[] = [];
    for (const m of chunk) body.push(m.type, ...le16(m.body.length), 0, ...m.body);
    body.push(0, 0, 0); // a 3-byte gap: too small for a message header
    const bytes = place(128, [[0, withChecksum([0x4f, 0x48, 0x44, 0x52, 2, 0, body.length, ...body])]]);
    const oh = await readObjectHeader(ctxFor(bytes), 0);
    expect(oh.messages.map((m) => m.type)).toEqual([MessageType.DATASPACE]);
  });

  it('reads times, phase change values and creation order in a v2 prefix', async () => {
    // flags: 1-byte size, creation order tracked (bit 2), phase change (bit 4), times (bit 5)
    const msg = [MessageType.DATASPACE, ...le16(4), 0, ...le16(7), 2, 0, 0, 0];
    const prefix = [0x4f, 0x48, 0x44, 0x52, 2, 0x34, ...le32(1), ...le32(2), ...le32(3), ...le32(4), ...le16(12), ...le16(10), msg.length];
    const bytes = place(128, [[0, withChecksum([...prefix, ...msg])]]);
    const oh = await readObjectHeader(ctxFor(bytes), 0);
    expect(oh.times).toEqual({ access: 1, modification: 2, change: 3, birth: 4 });
    expect([oh.maxCompactAttributes, oh.minDenseAttributes]).toEqual([12, 10]);
    expect(oh.messages[0]!.creationOrder).toBe(7);
    expect(decodeDataspace(oh.messages[0]!.body, ctxFor(bytes), oh.messages[0]!.address)).toEqual({ kind: 'scalar' });
  });

  it('reads a superblock v2 with 2-byte offsets and lengths, and a header using them', async () => {
    // v2 superblock: signature, version, sizes, flags, base, extension, eof, root, checksum
    const sb = withChecksum([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 2, 2, 2, 0, ...le16(0), 0xff, 0xff, ...le16(256), ...le16(64)]);
    // v1 dataspace: version 1, rank 2, flags 1 (max dims), 5 reserved, dims (2 bytes each), max dims
    const space = { type: MessageType.DATASPACE, body: [1, 2, 1, 0, 0, 0, 0, 0, ...le16(3), ...le16(5), ...le16(3), 0xff, 0xff] };
    // v3 contiguous layout: address (2), size (2)
    const layout = { type: MessageType.LAYOUT, body: [3, 1, ...le16(200), ...le16(15)] };
    const bytes = place(256, [[0, sb], [64, v1Header([space, layout])]]);
    const source = new MemorySource(bytes);
    const s = await readSuperblock(source, { limits: DEFAULT_LIMITS });
    expect([s.version, s.sizeOfOffsets, s.sizeOfLengths, s.extensionAddress, s.eofAddress, s.rootObjectHeaderAddress]).toEqual([2, 2, 2, null, 256, 64]);
    const ctx = ctxFor(bytes, 0, 2, 2);
    const oh = await readObjectHeader(ctx, s.rootObjectHeaderAddress);
    // With 2-byte lengths the library reads the all-ones maximum as 65535, not as unlimited.
    expect(decodeDataspace(oh.messages[0]!.body, ctx, oh.messages[0]!.address)).toEqual({ kind: 'simple', dims: [3, 5], maxDims: [3, 65535] });
    expect(decodeLayout(oh.messages[1]!.body, ctx, oh.messages[1]!.address)).toEqual({ class: 'contiguous', address: 200, size: 15 });
  });

  it('finds the signature after a user block, and rejects a file without one', async () => {
    const sb = withChecksum([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 2, 8, 8, 0, ...le64(2048), ...Array(8).fill(0xff), ...le64(2048 + 100), ...le64(48)]);
    const bytes = place(2048 + 100, [[2048, sb]]);
    const s = await readSuperblock(new MemorySource(bytes), { limits: DEFAULT_LIMITS });
    expect(s.baseAddress).toBe(2048);
    const e = await expectH5Error(readSuperblock(new MemorySource(new Uint8Array(5000)), { limits: DEFAULT_LIMITS }), 'Corrupt');
    expect(e.message).toMatch(/not an HDF5 file/);
  });

  it('calls a superblock v2 with a bad checksum Corrupt', async () => {
    const sb = withChecksum([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 2, 8, 8, 0, ...le64(0), ...Array(8).fill(0xff), ...le64(100), ...le64(48)]);
    sb[20] ^= 1;
    const e = await expectH5Error(readSuperblock(new MemorySource(place(128, [[0, sb]])), { limits: DEFAULT_LIMITS }), 'Corrupt');
    expect(e.message).toMatch(/checksum/);
  });
});

describe('shared message bodies', () => {
  const ctx = ctxFor(new Uint8Array(0));
  it('decodes versions 1, 2 and 3 (committed and SOHM)', () => {
    // v1: version, type, 6 reserved, then an old symbol table entry: name offset (sizeOfLengths), address
    expect(decodeSharedBody(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, ...le64(0), ...le64(800)]), ctx, 0)).toEqual({ kind: 'committed', address: 800 });
    expect(decodeSharedBody(Uint8Array.from([2, 0, ...le64(900)]), ctx, 0)).toEqual({ kind: 'committed', address: 900 });
    expect(decodeSharedBody(Uint8Array.from([3, 2, ...le64(1000)]), ctx, 0)).toEqual({ kind: 'committed', address: 1000 });
    const id = [1, 2, 3, 4, 5, 6, 7, 8];
    const s = decodeSharedBody(Uint8Array.from([3, 1, ...id]), ctx, 0);
    expect(s.kind === 'sohm' && [...s.heapId]).toEqual(id);
  });
  it('rejects unknown versions and types', () => {
    expect(() => decodeSharedBody(Uint8Array.from([3, 7, ...le64(1)]), ctx, 0)).toThrow(H5Error);
    expect(() => decodeSharedBody(Uint8Array.from([9, 2, ...le64(1)]), ctx, 0)).toThrow(H5Error);
  });
});

describe.skipIf(!existsSync(resolve(FIXTURES, 'sohm_list.h5')))('shared object header message indexes (fixtures)', () => {
  for (const [name, kind] of [['sohm_list.h5', 'list'], ['sohm_btree.h5', 'btree']] as const) {
    it(`${name}: every SOHM heap ID a dataset uses is in the ${kind} index for its type`, async () => {
      const bytes = new Uint8Array(readFileSync(resolve(FIXTURES, name)));
      const manifest = JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8'));
      const source = new MemorySource(bytes);
      const sb = await readSuperblock(source, { limits: DEFAULT_LIMITS });
      const ctx: FormatContext = { source, baseAddress: sb.baseAddress, sizeOfOffsets: sb.sizeOfOffsets, sizeOfLengths: sb.sizeOfLengths, limits: DEFAULT_LIMITS, parsed: new Map() };
      const table = await readFileSohmTable(ctx, sb);
      expect(table).not.toBeNull();
      const records = new Map<number, string[]>();
      for (const ix of table!.indexes) {
        if (ix.messageCount > 0) expect(ix.kind).toBe(kind);
        const recs = await readSohmIndexRecords(ctx, ix);
        expect(recs.length).toBe(ix.messageCount);
        for (const t of ix.messageTypes) records.set(t, recs.flatMap((r) => (r.location === 'heap' ? [Buffer.from(r.heapId).toString('hex')] : [])));
      }
      let shared = 0;
      for (const obj of Object.values<{ object_header?: { address: number } }>(manifest.objects)) {
        if (!obj.object_header) continue;
        const oh = await readObjectHeader(ctx, obj.object_header.address);
        for (const m of oh.messages) {
          if (!(m.flags & 2)) continue;
          const s = decodeSharedBody(m.body, ctx, m.address);
          if (s.kind !== 'sohm') continue;
          shared++;
          expect(sohmIndexFor(table!, m.type)).toBeDefined();
          expect(records.get(m.type)).toContain(Buffer.from(s.heapId).toString('hex'));
        }
      }
      expect(shared).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(!HAVE_CORPUS)('damaged corpus files', () => {
  const FILE = 'generated/gen_attr_compact_latest.h5';
  const bytes = HAVE_CORPUS ? new Uint8Array(readFileSync(resolve(CORPUS, FILE))) : new Uint8Array(0);
  const manifest = HAVE_CORPUS ? JSON.parse(readFileSync(resolve(CORPUS, `${FILE}.json`), 'utf8')) : { objects: {} };

  async function v2Headers() {
    const source = new MemorySource(bytes);
    const sb = await readSuperblock(source, { limits: DEFAULT_LIMITS });
    const ctx = ctxFor(bytes, sb.baseAddress, sb.sizeOfOffsets, sb.sizeOfLengths);
    const out = [];
    for (const obj of Object.values<{ object_header?: { address: number; version?: number } }>(manifest.objects)) {
      if (obj.object_header?.version === 2) out.push(await readObjectHeaderRaw(ctx, obj.object_header.address));
    }
    return { sb, out };
  }

  it('calls a v2 object header with one flipped byte Corrupt, naming its offset', async () => {
    const { sb, out } = await v2Headers();
    expect(out.length).toBeGreaterThan(0);
    for (const oh of out) {
      const copy = bytes.slice();
      const target = oh.messages[oh.messages.length - 1]!;
      copy[sb.baseAddress + target.address] ^= 0x01; // a byte inside the last message body
      const e = await expectH5Error(readObjectHeader(ctxFor(copy, sb.baseAddress), oh.address), 'Corrupt');
      const chunk = oh.chunks.find((c) => target.address >= c.address && target.address < c.address + c.size)!;
      expect(e.offset).toBe(sb.baseAddress + chunk.address);
      expect(e.message).toMatch(/checksum/);
    }
  });

  it('calls a damaged continuation block (OCHK) Corrupt, naming the block', async () => {
    const { sb, out } = await v2Headers();
    const multi = out.find((oh) => oh.chunks.length > 1);
    expect(multi).toBeDefined();
    const block = multi!.chunks[1]!;
    const copy = bytes.slice();
    copy[sb.baseAddress + block.address + 5] ^= 0x40;
    const e = await expectH5Error(readObjectHeader(ctxFor(copy, sb.baseAddress), multi!.address), 'Corrupt');
    expect(e.offset).toBe(sb.baseAddress + block.address);
  });

  it('calls a truncated file Corrupt at the superblock, and every header read on it Corrupt', async () => {
    for (const keep of [4, 40, 200, bytes.length >> 1, bytes.length - 1]) {
      const cut = bytes.slice(0, keep);
      await expectH5Error(readSuperblock(new MemorySource(cut), { limits: DEFAULT_LIMITS }), 'Corrupt');
      // Past the superblock check: headers beyond the cut must fail as Corrupt too.
      const ctx = ctxFor(cut);
      for (const obj of Object.values<{ object_header?: { address: number } }>(manifest.objects)) {
        if (!obj.object_header) continue;
        const e = await readObjectHeader(ctx, obj.object_header.address).then(
          () => null,
          (err: unknown) => err,
        );
        if (e !== null) {
          expect(isH5Error(e), String(e)).toBe(true);
          expect((e as H5Error).code).toBe('Corrupt');
        }
      }
    }
  });

  it('never throws anything but an H5Error on random single-byte damage to metadata', async () => {
    // A deterministic PRNG (mulberry32) so a failure reproduces.
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const files = ['generated/gen_attr_compact_earliest.h5', 'generated/gen_dtype_compound_latest.h5', 'generated/gen_fill_earliest.h5'];
    let h5errors = 0;
    for (const f of files) {
      const b = new Uint8Array(readFileSync(resolve(CORPUS, f)));
      const m = JSON.parse(readFileSync(resolve(CORPUS, `${f}.json`), 'utf8'));
      // Metadata lives in the first few KiB of these small files.
      const span = Math.min(b.length, 4096);
      for (let i = 0; i < 150; i++) {
        const copy = b.slice();
        const at = Math.floor(rand() * span);
        copy[at] ^= 1 << Math.floor(rand() * 8);
        try {
          await readEverything(copy, m);
        } catch (e) {
          if (!isH5Error(e)) throw new Error(`${f}: flipping byte ${at} gave ${String(e)}`);
          h5errors++;
        }
      }
    }
    expect(h5errors).toBeGreaterThan(0);
  });
});
