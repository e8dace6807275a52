import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistAssets } from './build/mnist-assets.js';
import { textAssets } from './build/text-assets.js';

export default defineConfig({
  // Relative URLs, so dist/ works from any folder of any static server.
  base: './',
  plugins: [mnistAssets(), textAssets()],
  build: {
    // WebGPU, top-level await and the rest of what the page uses are in every browser that has WebGPU.
    target: 'es2022',
    // Kindling and gpu.js are one chunk of a few hundred kB; the MNIST files are 11 MB anyway.
    chunkSizeWarningLimit: 2000,
    // Two pages: MNIST (index.html) and Shakespeare (shakespeare.html), sharing the Kindling chunk.
    rollupOptions: {
      input: {
        mnist: fileURLToPath(new URL('index.html', import.meta.url)),
        shakespeare: fileURLToPath(new URL('shakespeare.html', import.meta.url)),
      },
    },
  },
});
