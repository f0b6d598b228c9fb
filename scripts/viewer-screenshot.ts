/**
 * Makes docs/h5web-viewer.png: the browser tests' servers (s3rver with a CORS bucket holding the
 * 80 MB file), the viewer served by `npm run viewer` on port 5199, Debian's Chromium opening
 * ?url=<the object's URL> and plotting /cube. Prints the viewer's coh5 statistics line.
 *   npx vite examples/h5web-viewer --port 5199 &  npx tsx scripts/viewer-screenshot.ts
 */
import { chromium } from 'playwright-core';
import setup from '../test/browser/global-setup.js';

const got: Record<string, unknown> = {};
const teardown = await setup({ provide: (k: string, v: unknown) => (got[k] = v) } as never);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-swiftshader'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(`http://localhost:5199/?url=${encodeURIComponent(`${got.s3Endpoint}/${got.s3Bucket}/big.h5`)}`);
  await page.getByRole('treeitem', { name: 'cube', exact: true }).click({ timeout: 60_000 });
  await page.waitForSelector('canvas', { timeout: 60_000 });
  // The stats line refreshes every 500 ms.
  await page.waitForTimeout(2000);
  console.log(await page.getByTestId('coh5-stats').textContent());
  await page.screenshot({ path: 'docs/h5web-viewer.png' });
} finally {
  await browser.close();
  await (teardown as () => Promise<void>)();
}
