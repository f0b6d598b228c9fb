/**
 * Side by side, in one run, the same ~80 MB file over the same CORS range server: H5Web on coh5
 * and H5Web on h5wasm (whole file fetched), each from mounting the app to the first heatmap of
 * /cube[0,:,:] on screen. Prints bytes moved and time to first plot, and the machine's load.
 */
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { App, DataProvider, type DataProviderApi } from '@h5web/app';
import '@h5web/app/styles.css';
import { expect, inject, it } from 'vitest';
import { page } from 'vitest/browser';
import { commands } from 'vitest/browser';
import { open } from '../../src/index.js';
import { Coh5Api } from '../../src/h5web/index.js';
import { H5WasmApi } from './h5wasm-api.js';

const url = `${inject('httpBase')}/big.h5`;

async function firstPlotMs(api: DataProviderApi): Promise<number> {
  const el = document.createElement('div');
  el.style.cssText = 'width: 1100px; height: 700px; display: flex;';
  document.body.append(el);
  const t0 = performance.now();
  const root = createRoot(el);
  root.render(createElement(DataProvider, { api }, createElement(App, { sidebarOpen: true, initialPath: '/cube' })));
  await expect.poll(() => el.querySelector('canvas') !== null && el.querySelector('[class*="fallback"]') === null, { timeout: 240_000, interval: 20 }).toBe(true);
  const ms = performance.now() - t0;
  root.unmount();
  el.remove();
  return ms;
}

it('time to first plot and bytes moved: coh5 vs h5wasm', async () => {
  await page.viewport(1200, 760);
  const rows: string[] = [];
  for (let round = 0; round < 2; round++) {
    const file = await open(url);
    const coh5Ms = await firstPlotMs(new Coh5Api('big.h5', Promise.resolve(file)));
    const s = file.stats();
    rows.push(`coh5    round ${round}: first heatmap in ${coh5Ms.toFixed(0)} ms, ${s.bytesTransferred} bytes in ${s.requests} requests`);
    await file.close();
    const wasm = new H5WasmApi(url);
    const wasmMs = await firstPlotMs(wasm);
    rows.push(`h5wasm  round ${round}: first heatmap in ${wasmMs.toFixed(0)} ms, ${wasm.bytes} bytes in 1 request`);
  }
  const load = await (commands as unknown as { loadavg?: () => Promise<string> }).loadavg?.();
  console.log([...rows, `load average at the end: ${load ?? 'n/a'}`].join('\n'));
});
