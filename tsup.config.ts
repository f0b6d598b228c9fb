import { defineConfig } from 'tsup';

// ESM only: one copy of H5Error shared by every entry (a CJS build would duplicate it per entry).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', node: 'src/node.ts', s3: 'src/s3.ts', arrow: 'src/arrow.ts', h5web: 'src/h5web/index.ts', cli: 'src/cli/main.ts' },
    format: ['esm'],
    // Declarations come from tsc (tsconfig.build.json, run by `npm run build`), one per module:
    // tsup's bundled .d.ts renamed types in shared chunks (`F as FileOptions`) and kept @internal members.
    dts: false,
    splitting: true,
    sourcemap: false, // not shipped: they were 3.5 MB of a 4.6 MB tarball
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    external: ['node:fs', 'node:fs/promises', 'node:zlib', 'node:url', 'node:path', 'node:util', '@aws-sdk/client-s3', 'apache-arrow'],
  },
  {
    // The browser builds of the core entry, dependencies included: coh5.browser.js (one ESM file,
    // for <script type="module"> without a bundler) and coh5.browser.global.js (a script tag; global `coh5`).
    entry: { 'coh5.browser': 'src/index.ts' },
    format: ['esm', 'iife'],
    globalName: 'coh5',
    platform: 'browser',
    // Self-contained: pako, fzstd, ndarray and p-limit inside (tsup leaves dependencies external by default).
    noExternal: [/./],
    target: 'es2022',
    splitting: false,
    minify: true,
    sourcemap: false, // not shipped: they were 3.5 MB of a 4.6 MB tarball
    clean: false,
    dts: false,
  },
]);
