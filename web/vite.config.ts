/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const sharedSrc = fileURLToPath(new URL('../shared/src/', import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Use the shared workspace's TypeScript source (its compiled output is CommonJS), one file at a time:
    // `@loopmeter/shared/metrics` brings only the metric schemas, not every wire type of the product.
    alias: [
      { find: /^@loopmeter\/shared\/(.+)$/, replacement: `${sharedSrc}$1.ts` },
      { find: /^@loopmeter\/shared$/, replacement: `${sharedSrc}index.ts` },
    ],
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
  build: { outDir: 'dist', emptyOutDir: true, reportCompressedSize: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
