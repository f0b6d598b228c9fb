import { defineConfig } from 'tsup';

// ESM only: one copy of H5Error shared by every entry (a CJS build would duplicate it per entry).
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', s3: 'src/s3.ts' },
  format: ['esm'],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['node:fs', 'node:fs/promises', 'node:zlib', 'node:url', 'node:path', '@aws-sdk/client-s3'],
});
