/**
 * The coh5 command line run as a child process on fixtures, locally and over a real HTTP range
 * server: ls, info, cat (json, csv, npy), refs, --help on every command, and exit codes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, type Dataset } from '../src/node.js';
import { coh5 } from './cli-run.js';
import { RangeServer } from './helpers/range-server.js';

const fx = (name: string) => `fixtures/${name}`;
let server: RangeServer;
let tmp: string;

beforeAll(async () => {
  server = await RangeServer.start();
  for (const f of ['example.h5', 'large_1d.h5', 'references/refs_many.h5']) server.put(`/${f.split('/').pop()}`, await readFile(fx(f)));
  tmp = await mkdtemp(join(tmpdir(), 'coh5-cli-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Bytes the recorded GETs asked for (each has a bytes=a-b range). */
function rangeBytes(): number {
  let n = 0;
  for (const r of server.requests) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
    if (!m) throw new Error(`unbounded request ${r.method} ${r.range}`);
    n += Number(m[2]) - Number(m[1]) + 1;
  }
  return n;
}

async function libRead(file: string, path: string, sel?: Parameters<Dataset['read']>[0]) {
  const f = await open(fx(file));
  try {
    return await ((await f.get(path)) as Dataset).read(sel);
  } finally {
    await f.close();
  }
}

describe('coh5 --help', () => {
  it('every command has --help (exit 0); no command prints usage with exit 2', async () => {
    for (const cmd of ['ls', 'info', 'inspect', 'cat', 'refs']) {
      const r = await coh5(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.text).toMatch(new RegExp(`^usage: coh5 ${cmd}`));
      expect(r.text).toContain('--anonymous');
    }
    const top = await coh5('--help');
    expect(top.code).toBe(0);
    expect(top.text).toMatch(/commands:[\s\S]*inspect/);
    expect((await coh5()).code).toBe(2);
  }, 120_000);
});

describe('coh5 ls', () => {
  it('lists the root group of a local file', async () => {
    const r = await coh5('ls', fx('example.h5'));
    expect(r.code).toBe(0);
    const lines = r.text.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['lat', 'lon', 'metadata', 'stations', 'temperature']);
    expect(r.text).toMatch(/temperature\s+Dataset \{720, 1440\} <f4/);
    expect(r.text).toMatch(/metadata\s+Group/);
  });

  it('-r -l over HTTP gives the whole tree with layout, chunks and filters, in a few requests', async () => {
    server.reset();
    const r = await coh5('ls', '-r', '-l', server.urlOf('/example.h5'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.text).toMatch(/^\/temperature\s+Dataset \{720, 1440\} <f4 chunked chunks \{90, 180\} \[shuffle, deflate\] \(3 attrs\)$/m);
    expect(r.text).toMatch(/^\/metadata\/levels\s+Dataset \{4\} <i2 contiguous$/m);
    // This 272 KiB file is smaller than open's first read (512 KiB, two GETs in one round trip):
    // it comes whole, and listing it asks for nothing more.
    expect(server.count('GET')).toBe(2);
    expect(rangeBytes()).toBe(512 * 1024);
  });

  it('-r -l over HTTP on 1,000 datasets prints no warning (no MaxListenersExceededWarning)', async () => {
    const r = await coh5('ls', '-r', '-l', server.urlOf('/refs_many.h5'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.text.trim().split('\n').filter((l) => /\sDataset /.test(l)).length).toBeGreaterThanOrEqual(1000);
    expect(r.stderr).toBe('');
  });

  it('--json rows, and a dataset PATH describes just that dataset', async () => {
    const r = await coh5('ls', '--json', '-l', fx('example.h5'), '/temperature');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.text)).toMatchObject({ path: '/temperature', kind: 'dataset', shape: [720, 1440], chunks: [90, 180], filters: ['shuffle', 'deflate'] });
  });
});

describe('coh5: h5ls conventions', () => {
  const h5ls = (file: string) => execFileSync('h5ls', ['-r', fx(file)], { encoding: 'utf8' }).trim().split('\n');
  const hasH5ls = (() => {
    try {
      execFileSync('h5ls', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it('--version prints the package version', async () => {
    const r = await coh5('--version');
    expect(r.code).toBe(0);
    expect(r.text.trim()).toBe(`coh5 ${JSON.parse(await readFile('package.json', 'utf8')).version}`);
  });

  it('ls -r lists depth first: a group\'s members right after it, before its next sibling', async () => {
    const r = await coh5('ls', '-r', fx('example.h5'));
    expect(r.text.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['/lat', '/lon', '/metadata', '/metadata/levels', '/stations', '/temperature']);
  });

  it.skipIf(!hasH5ls)('ls -r lists in the order h5ls -r does', async () => {
    // Files without creation-order indexes: there h5py's member order is h5ls's (by name).
    for (const file of ['example.h5', 'groups_earliest.h5', 'layouts_latest.h5', 'spaces_earliest.h5']) {
      const r = await coh5('ls', '-r', fx(file));
      expect(r.code, r.stderr).toBe(0);
      const want = h5ls(file).slice(1).map((l) => l.split(/\s+/)[0]);
      const got = r.text.trim().split('\n').map((l) => l.split(/\s+/)[0]);
      expect(got, file).toEqual(want);
    }
  });

  const shapes = (lines: string[]) => lines.map((l) => /Dataset (\{[^}]*\})/.exec(l)?.[1]).filter(Boolean);

  it('shapes print as h5ls prints them: {SCALAR}, {NULL}, {6/20}, {12000/Inf}, {0/Inf, 5}', async () => {
    // h5ls -r (libhdf5 1.10) on these files, as printed.
    const spaces = await coh5('ls', '-r', fx('spaces_earliest.h5'));
    expect(shapes(spaces.text.trim().split('\n'))).toEqual([
      '{6/20}', '{NULL}', '{NULL}', '{7}', '{3, 5}', '{2, 3, 4}', '{2, 3, 2, 2}', '{2, 3, 2, 3, 2}', '{SCALAR}', '{SCALAR}', '{SCALAR}', '{SCALAR}',
      '{23/Inf}', '{5/Inf, 7/Inf}', '{0}', '{0/Inf, 5}', '{3, 0, 4}',
    ]);
    const layouts = shapes((await coh5('ls', '-r', fx('layouts_latest.h5'))).text.trim().split('\n'));
    expect(layouts).toContain('{12000/Inf}');
    expect(layouts).toContain('{110/Inf, 110/Inf}');
  });

  it.skipIf(!hasH5ls)('shapes match h5ls -r on every dataset', async () => {
    for (const file of ['layouts_latest.h5', 'spaces_earliest.h5']) {
      const r = await coh5('ls', '-r', fx(file));
      expect(shapes(r.text.trim().split('\n')), file).toEqual(shapes(h5ls(file)));
    }
  });

  it('cat prints float32 values by their shortest round-trip decimal, as numpy does', async () => {
    // numpy: [str(x) for x in f['floats/f32_le']] (h5py 3.16).
    const want = [0, -0, 1, -1, null, null, null, 2.938736e-39, 3.4028235e38, 3.1415927, -0.33333334];
    const json = await coh5('cat', fx('dtypes_latest.h5'), '/floats/f32_le');
    expect(json.text.trim()).toBe('[0,0,1,-1,null,null,null,2.938736e-39,3.4028235e+38,3.1415927,-0.33333334]');
    expect(JSON.parse(json.text)).toEqual(want.map((x) => (x === -0 ? 0 : x)));
    const csv = await coh5('cat', '--format', 'csv', fx('dtypes_latest.h5'), '/floats/f32_le');
    expect(csv.text.trim().split('\n').slice(-2)).toEqual(['3.1415927', '-0.33333334']);
  });
});

describe('coh5 info', () => {
  it('counts objects and chunks and computes the compression ratio', async () => {
    const r = await coh5('info', '--json', fx('example.h5'));
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.text);
    expect(s).toMatchObject({ superblockVersion: 0, groups: 2, datasets: 5, chunkedDatasets: 1, chunks: 64, fileSize: 278189 });
    // /temperature: 64 chunks of 90x180 float32 = 4147200 logical bytes, gzip+shuffle of a smooth field.
    expect(s.logicalBytes).toBe(4147200 + 720 * 4 + 1440 * 4 + 270 + 8);
    expect(s.compressionRatio).toBeGreaterThan(5);
    const text = await coh5('info', fx('example.h5'));
    expect(text.text).toMatch(/chunks:\s+64 in 1 chunked datasets/);
  });
});

describe('coh5 cat', () => {
  it('json: a slice as nested arrays, equal to the library read', async () => {
    const r = await coh5('cat', fx('example.h5'), '/temperature', '--slice', '10:13,100:104');
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.text) as number[][];
    const want = await libRead('example.h5', '/temperature', [[10, 13], [100, 104]]);
    expect(got.length).toBe(3);
    expect(got.flat()).toEqual(Array.from(want.data as Float32Array));
  });

  it('csv over HTTP: one value per line for 1-D, equal to the library read', async () => {
    server.reset();
    const r = await coh5('cat', '--format', 'csv', '--slice', '499998:500005:3', server.urlOf('/large_1d.h5'), '/signal');
    expect(r.code, r.stderr).toBe(0);
    const want = await libRead('large_1d.h5', '/signal', [[499998, 500005, 3]]);
    expect(want.shape).toEqual([3]);
    expect(r.text.trim().split('\n').map(Number)).toEqual(Array.from(want.data as Float32Array));
    // The 91 KB file is smaller than open's first read: its two GETs bring the chunk too.
    expect(server.count('GET')).toBe(2);
    expect(rangeBytes()).toBe(512 * 1024);
  });

  it('csv of a 2-D slice: one row per leading index; an integer index drops a dimension', async () => {
    const r = await coh5('cat', '--format', 'csv', fx('example.h5'), '/temperature', '--slice', '5:8,-3:');
    const want = await libRead('example.h5', '/temperature', [[5, 8], [-3, null]]);
    const rows = r.text.trim().split('\n').map((l) => l.split(',').map(Number));
    expect(rows).toHaveLength(3);
    expect(rows.flat()).toEqual(Array.from(want.data as Float32Array));
    const one = await coh5('cat', fx('example.h5'), '/temperature', '--slice', '7,0:3');
    const row = await libRead('example.h5', '/temperature', [7, [0, 3]]);
    expect(row.shape).toEqual([3]);
    expect(JSON.parse(one.text)).toEqual(Array.from(row.data as Float32Array));
  });

  it('npy: a valid .npy whose payload is the little-endian values', async () => {
    const out = join(tmp, 'lat.npy');
    const r = await coh5('cat', fx('example.h5'), '/temperature', '--slice', '0:4,::360', '--format', 'npy', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const bytes = await readFile(out);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
    const hlen = bytes.readUInt16LE(8);
    expect((10 + hlen) % 64).toBe(0);
    const header = bytes.subarray(10, 10 + hlen).toString('latin1');
    expect(header).toContain("'descr': '<f4'");
    expect(header).toContain("'shape': (4, 4)");
    const payload = bytes.subarray(10 + hlen);
    const want = await libRead('example.h5', '/temperature', [[0, 4], [null, null, 360]]);
    expect(new Float32Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength))).toEqual(want.data);
  });

  it('complex numbers: {r, i} records in JSON that parse back to the values, complex64 .npy', async () => {
    const j = await coh5('cat', fx('v200/v200_dtypes.h5'), '/c16_be', '--slice', '0:3');
    expect(j.code, j.stderr).toBe(0);
    // JSON has no Infinity: like every float, a non-finite part prints as null.
    expect(JSON.parse(j.text)).toEqual([{ r: 1, i: 2 }, { r: -3.5, i: -4.25 }, { r: null, i: null }]);
    const c = await coh5('cat', '--format=csv', fx('v200/v200_dtypes.h5'), '/c8_le', '--slice', '0:2');
    expect(c.text).toBe('r,i\n1,2\n-3.5,-4.25\n');
    const out = join(tmp, 'c8.npy');
    const n = await coh5('cat', fx('v200/v200_dtypes.h5'), '/c8_be', '--format', 'npy', '-o', out);
    expect(n.code, n.stderr).toBe(0);
    const bytes = await readFile(out);
    const hlen = bytes.readUInt16LE(8);
    const header = bytes.subarray(10, 10 + hlen).toString('latin1');
    expect(header).toContain("'descr': '<c8'");
    expect(header).toContain("'shape': (2, 3)");
    const payload = bytes.subarray(10 + hlen);
    expect(new Float32Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength))).toEqual(
      new Float32Array([0, 0.625, 0.125, 0.5, 0.25, 0.375, 0.375, 0.25, 0.5, 0.125, 0.625, 0]),
    );
  });

  it('a null dataspace: JSON null, empty CSV, and no .npy', async () => {
    expect((await coh5('cat', fx('spaces_latest.h5'), '/null_f4')).text).toBe('null\n');
    expect((await coh5('cat', '--format', 'csv', fx('spaces_latest.h5'), '/null_f4')).text).toBe('');
    const n = await coh5('cat', '--format', 'npy', fx('spaces_latest.h5'), '/null_f4');
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/null dataspace/);
  });

  it('compound datasets as records (json) and a header row (csv)', async () => {
    const j = await coh5('cat', fx('example.h5'), '/stations', '--slice', '0:2');
    expect(JSON.parse(j.text)[0]).toMatchObject({ name: 'Reykjavik', elevation: 61 });
    const c = await coh5('cat', '--format=csv', fx('example.h5'), '/stations', '--slice', '0:2');
    expect(c.text.split('\n')[0]).toBe('name,lat,lon,elevation,active');
    expect(c.text.trim().split('\n')).toHaveLength(3);
  });

  it('references print as paths (object) and {path, address, selection} (region), at any depth', async () => {
    const file = fx('references/refs_every_depth_latest.h5');
    const o = await coh5('cat', file, '/object_refs');
    expect(JSON.parse(o.text)).toEqual(['/data', '/data/temperature', '/types/t', '/', '/far/away/below/hidden', null]);
    const r = JSON.parse((await coh5('cat', file, '/region_refs', '--slice', '1:2')).text);
    expect(r[0]).toMatchObject({ path: '/data/temperature', selection: { type: 'points', rank: 2, points: [[3, 4], [0, 0], [2, 1]] } });
    const v = JSON.parse((await coh5('cat', file, '/vlen_refs')).text);
    expect(v).toEqual([['/data/temperature', '/data', '/'], [], ['/types/t']]);
    const c = JSON.parse((await coh5('cat', file, '/compound_refs', '--slice', '0:1')).text);
    expect(c[0]).toMatchObject({ name: 'temp', target: '/data/temperature', pair: ['/data/temperature', '/data/ints'] });
  });
});

describe('coh5 refs', () => {
  it('-o writes a version-1 reference set whose chunk entries name the URL', async () => {
    const out = join(tmp, 'refs.json');
    const url = server.urlOf('/example.h5');
    const r = await coh5('refs', url, '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const spec = JSON.parse(await readFile(out, 'utf8'));
    // The compound of stations is packed (no padding): a Zarr v2 structured dtype, referenced.
    expect(r.stderr).not.toMatch(/skipped \/stations/);
    expect(spec.refs['stations/.zarray']).toBeDefined();
    expect(spec.version).toBe(1);
    expect(JSON.parse(spec.refs['temperature/.zarray'])).toMatchObject({ shape: [720, 1440], chunks: [90, 180], dtype: '<f4', compressor: { id: 'zlib' }, filters: [{ id: 'shuffle', elementsize: 4 }] });
    const keys = Object.keys(spec.refs).filter((k) => /^temperature\/\d+\.\d+$/.test(k));
    expect(keys).toHaveLength(64);
    expect(spec.refs['temperature/0.0'][0]).toBe(url);
  });
});

describe('exit codes and messages', () => {
  it('2 for bad arguments, 3 for missing objects and files, 4 for network failures', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['frobnicate'], 2, /unknown command/],
      [['ls', '--bogus', fx('example.h5')], 2, /Unknown option '--bogus'/],
      [['cat', fx('example.h5')], 2, /missing argument/],
      [['cat', fx('example.h5'), '/temperature', '--slice', '1:x'], 2, /--slice: stop 'x' is not an integer/],
      [['cat', fx('example.h5'), '/temperature', '--format', 'xml'], 2, /--format must be json, csv or npy/],
      [['cat', fx('example.h5'), '/metadata'], 2, /is a group, not a dataset/],
      [['cat', fx('example.h5'), '/nope'], 3, /NotFound: no object named "nope"/],
      [['ls', fx('no-such-file.h5')], 3, /NotFound/],
      [['info', server.urlOf('/missing.h5')], 3, /NotFound/],
      [['ls', 'http://127.0.0.1:1/x.h5'], 4, /Network/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await coh5(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.text).toBe('');
    }
  }, 180_000);
});
