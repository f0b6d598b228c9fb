/**
 * coh5/h5web in Chromium: the real H5Web app (React, WebGL plots) on coh5's provider, clicking
 * through the explorer as a user would. Files come from the CORS range server, from s3rver
 * (CORS bucket) and from a File (Blob); values H5Web receives are checked against h5py's oracle
 * or the formula the large file was written with; request counts are coh5's and the server's.
 * Screenshots land in test/browser/__screenshots__/ (gitignored; CI keeps them as artifacts).
 */
import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App, DataProvider, type ValuesStoreParams } from '@h5web/app';
import '@h5web/app/styles.css';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { page } from 'vitest/browser';
import { open, type H5File } from '../../src/index.js';
import { Coh5Api, Coh5Provider } from '../../src/h5web/index.js';
import { CUBE, SERIES, cubeValue, seriesValue } from './big-file.js';

const httpBase = inject('httpBase');
const s3Endpoint = inject('s3Endpoint');
const bucket = inject('s3Bucket');
const oracle = inject('oracle');
const bigSize = inject('bigSize');

/** The provider, recording every value it hands H5Web. */
class RecordingApi extends Coh5Api {
  readonly values: { path: string; selection: string | undefined; value: unknown }[] = [];
  override async getValue(params: ValuesStoreParams, signal?: AbortSignal, onProgress?: (v: number) => void): Promise<unknown> {
    const value = await super.getValue(params, signal, onProgress);
    this.values.push({ path: params.dataset.path, selection: params.selection, value });
    return value;
  }
}

let root: Root | undefined;
// Room for the explorer and a plot (the test iframe is phone-sized otherwise).
beforeEach(() => page.viewport(1200, 760));
afterEach(() => {
  root?.unmount();
  root = undefined;
  document.body.replaceChildren();
  localStorage.clear();
});

function mount(children: ReturnType<typeof createElement>): void {
  const el = document.createElement('div');
  el.style.cssText = 'width: 1100px; height: 700px; display: flex;';
  document.body.append(el);
  root = createRoot(el);
  root.render(children);
}

function mountApi(api: Coh5Api): void {
  mount(createElement(DataProvider, { api }, createElement(App, { sidebarOpen: true })));
}

const item = (name: string) => page.getByRole('treeitem', { name, exact: true });

async function valueOf(api: RecordingApi, path: string): Promise<{ selection: string | undefined; value: unknown }> {
  await expect.poll(() => api.values.some((v) => v.path === path), { timeout: 30_000 }).toBe(true);
  return api.values.find((v) => v.path === path)!;
}

async function serverGets(path: string): Promise<number> {
  const r = await fetch(`${httpBase}/__requests`, { cache: 'no-store' });
  return ((await r.json()) as Record<string, number>)[path] ?? 0;
}

/** A WebGL plot is on the page (the heatmap's and the line's canvases). */
async function plotShown(): Promise<void> {
  await expect.poll(() => document.querySelector('canvas') !== null, { timeout: 30_000 }).toBe(true);
}

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);

describe('H5Web on coh5, plain HTTP server with CORS', () => {
  it('expands a group, plots a 2-D chunked dataset as a heatmap and a 1-D one as a line, with h5py\'s values', async () => {
    const before = await serverGets('/example.h5');
    const file = await open(`${httpBase}/example.h5`);
    const api = new RecordingApi('example.h5', Promise.resolve(file));
    mountApi(api);

    await item('metadata').click();
    await expect.element(item('levels')).toBeVisible();

    await item('temperature').click();
    const temp = await valueOf(api, '/temperature');
    await plotShown();
    // H5Web asks for the whole 2-D dataset; coh5 gives it the Float32Array it decoded into.
    expect(temp.selection).toBeUndefined();
    const t = temp.value as Float32Array;
    expect(t).toBeInstanceOf(Float32Array);
    expect(t.length).toBe(720 * 1440);
    const h = oracle['example.h5']!['/temperature']!.hyperslabs[0]!;
    const got: number[] = [];
    for (let y = h.start[0]!; y < h.stop[0]!; y += h.step[0]!) for (let x = h.start[1]!; x < h.stop[1]!; x += h.step[1]!) got.push(t[y * 1440 + x]!);
    expect(got).toEqual(flat(h.data));
    await page.screenshot({ path: '__screenshots__/h5web-heatmap-temperature.png' });

    await item('lat').click();
    const lat = await valueOf(api, '/lat');
    expect(Array.from(lat.value as Float32Array)).toEqual(oracle['example.h5']!['/lat']!.data);
    await plotShown();
    await page.screenshot({ path: '__screenshots__/h5web-line-lat.png' });

    // Every GET the server saw was coh5's, and coh5 counted it.
    expect(await serverGets('/example.h5')).toBe(before + file.stats().requests!);
    await file.close();
  });

  it('shows a compound dataset\'s records field by field and a group\'s attributes', async () => {
    const file = await open(`${httpBase}/example.h5`);
    const api = new RecordingApi('example.h5', Promise.resolve(file));
    mountApi(api);
    await item('stations').click();
    const st = await valueOf(api, '/stations');
    const rows = st.value as unknown[][];
    expect(rows).toHaveLength(10);
    // name, lat, lon, elevation, active: one array per record, in member order.
    expect(rows[0]).toHaveLength(5);
    const direct = await file.readDataset('/stations');
    const fields = (direct.data as { fields: Record<string, ArrayLike<unknown>> }).fields;
    expect(rows.map((r) => r[1])).toEqual(Array.from(fields['lat']!));
    expect(rows.map((r) => r[0])).toEqual(Array.from(fields['name']!));
    await file.close();
  });
});

describe('H5Web on coh5, the ~80 MB file on s3rver (CORS bucket)', () => {
  const url = () => `${s3Endpoint}/${bucket}/big.h5`;

  it('a heatmap of one slice of a 3-D chunked dataset moves a small fraction of the file', async () => {
    const file = await open(url());
    const api = new RecordingApi('big.h5', Promise.resolve(file));
    mountApi(api);
    await item('cube').click();
    const cube = await valueOf(api, '/cube');
    await plotShown();
    // H5Web slices a 3-D dataset: the heatmap of [0, :, :].
    expect(cube.selection).toBe('0,:,:');
    const v = cube.value as Float32Array;
    expect(v.length).toBe(CUBE[1]! * CUBE[2]!);
    for (const [y, x] of [[0, 0], [1, 2], [999, 999], [512, 77]] as const) expect(v[y * CUBE[2]! + x]).toBe(cubeValue(0, y, x));
    const s = file.stats();
    // The slice is 4 MB of the 40 MB dataset: 16 chunks of 250 KB, plus metadata.
    expect(s.bytesTransferred).toBeLessThan(bigSize * 0.07);
    expect(s.bytesTransferred).toBeGreaterThanOrEqual(CUBE[1]! * CUBE[2]! * 4);
    console.log(`h5web heatmap of /cube[0,:,:] from s3rver: ${s.requests} requests, ${s.bytesTransferred} bytes of ${bigSize} (${((100 * s.bytesTransferred!) / bigSize).toFixed(1)}%), ${s.waves} waves`);
    await page.screenshot({ path: '__screenshots__/h5web-heatmap-cube-s3.png' });
    await file.close();
  });

  it('a line plot of a row of a 10M-value dataset fetches that row, not the dataset', async () => {
    // H5Web remembers the visualization a user picked last; a user who picked Line sees a line.
    localStorage.setItem('h5web:preferredVis', JSON.stringify('Line'));
    const file = await open(url());
    const api = new RecordingApi('big.h5', Promise.resolve(file));
    mountApi(api);
    await item('series').click();
    const row = await valueOf(api, '/series');
    await plotShown();
    expect(row.selection).toBe('0,:');
    const v = row.value as Float32Array;
    expect(v.length).toBe(SERIES[1]!);
    for (const c of [0, 1, 4999, 9999]) expect(v[c]).toBe(seriesValue(0, c));
    const s = file.stats();
    // The 512 KiB first read, one 40 KB chunk of the 40 MB dataset and metadata: under 2% of it.
    expect(s.bytesTransferred).toBeLessThan((SERIES[0]! * SERIES[1]! * 4) / 50);
    expect(s.requests).toBeLessThanOrEqual(6);
    console.log(`h5web line of /series[0,:] (10M values) from s3rver: ${s.requests} requests, ${s.bytesTransferred} bytes`);
    await page.screenshot({ path: '__screenshots__/h5web-line-series-s3.png' });
    await file.close();
  });
});

describe('Coh5Provider', () => {
  it('opens a File picked from disk (a Blob) and browses it', async () => {
    const bytes = await (await fetch(`${httpBase}/example.h5`)).arrayBuffer();
    const picked = new File([bytes], 'example.h5');
    let opened: H5File | undefined;
    mount(createElement(Coh5Provider, { url: picked, onOpen: (f: H5File) => (opened = f) }, createElement(App, { sidebarOpen: true })));
    await expect.element(item('temperature')).toBeVisible();
    await item('temperature').click();
    await plotShown();
    expect(opened).toBeDefined();
    expect(opened!.stats().bytesTransferred).toBeGreaterThan(0);
  });

  it('shows coh5\'s error in H5Web\'s error display', async () => {
    mount(createElement(Coh5Provider, { url: `${httpBase}/no-such-file.h5` }, createElement(App, { sidebarOpen: true })));
    await expect.element(page.getByText(/no-such-file|404|NotFound/).first(), { timeout: 30_000 }).toBeVisible();
  });
});
