import { defineConfig } from 'vite';

// The node serves dist/ from its config's api.explorer_dir: hashed files under /assets/ are
// cached for a year, everything else is revalidated, and unknown extension-less paths fall
// back to index.html (client-side routes such as /r/<code>).
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'charts';
          if (id.includes('node_modules/@noble')) return 'noble';
          if (id.includes('node_modules/jsqr')) return 'qrdecode';
          return undefined;
        },
      },
    },
  },
  server: {
    // `npm run dev` proxies the API to a local node (scripts/run.sh serves on 8080).
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
