import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the package by its public names; point them at the sources.
    alias: [
      { find: /^coh5\/node$/, replacement: src('node.ts') },
      { find: /^coh5\/s3$/, replacement: src('s3.ts') },
      { find: /^coh5$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
