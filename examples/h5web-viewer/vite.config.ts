import { defineConfig } from 'vite';

// `npm run viewer`: serves this page with coh5's sources (no build step); coh5 is plain ESM.
export default defineConfig({
  root: import.meta.dirname,
  server: { port: 5173, fs: { allow: ['../..'] } },
});
