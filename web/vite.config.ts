// The dashboard's build: web/ → web/dist, served by the venue's HTTP server at /. In development
// (`npx vite web`) /api and /ws go to a venue running on 127.0.0.1:8080.
import { defineConfig } from 'vite';

const venue = process.env.CRUCIBLE_HTTP ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': venue,
      '/health': venue,
      '/ws': { target: venue.replace(/^http/, 'ws'), ws: true },
    },
  },
});
