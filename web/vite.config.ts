import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The typed client, imported from its source so the panel and the API never drift. */
const client = decodeURIComponent(new URL('../openapi/src/index.ts', import.meta.url).pathname);

// The api serves dist/ at /admin (src/admin/admin-panel.ts), index.html for any other /admin path.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  resolve: { alias: { '@rzero/client': client } },
  server: { fs: { allow: ['..'] } },
  build: { outDir: 'dist', emptyOutDir: true },
});
