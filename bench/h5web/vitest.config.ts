import { loadavg } from 'node:os';
import { defineConfig } from 'vitest/config';
import browser from '../../vitest.browser.config.js';

// `npm run bench:h5web`: the browser tests' servers and Chromium, running the side-by-side
// measurement of H5Web on coh5 against H5Web on h5wasm (timings live in bench/, never in tests).
export default defineConfig({
  ...browser,
  test: {
    ...browser.test,
    include: ['bench/h5web/*.spec.ts'],
    testTimeout: 600_000,
    browser: {
      ...browser.test!.browser!,
      // The page names the machine's load beside its figures (other jobs share this machine).
      commands: { loadavg: () => loadavg().map((x) => x.toFixed(2)).join(' ') },
    },
  },
});
