import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev:web`: Vite on 5173 with /api proxied to the portal (TOLLGATE_PORTAL_PORT, default 8080). The Host
// header is kept (no changeOrigin), so the portal's same-origin check sees the page's own origin.
const portal = `http://127.0.0.1:${process.env.TOLLGATE_PORTAL_PORT ?? 8080}`;

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One chunk per area (lazy routes) plus the shared vendor code; the first page stays small.
    chunkSizeWarningLimit: 600,
  },
  server: { port: 5173, proxy: { '/api': { target: portal } } },
});
