import { defineConfig } from 'vite';

// The node serves dist/ from its config's api.explorer_dir: hashed files under /assets/ are
// cached for a year, everything else is revalidated, and unknown extension-less paths fall
// back to index.html (client-side routes such as /r/<code>). scripts/postbuild.mjs then writes
// .gz and .br siblings the node serves by content negotiation, and prints the bundle report.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    // dist/.vite/manifest.json maps each page to the chunks it imports (the bundle report reads
    // it); the node never serves it (hidden directory).
    manifest: true,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        manualChunks(id) {
          // Rollup's CommonJS interop helper is shared by qrcode (encoder) and jsqr (decoder); left
          // alone it lands in the decoder's chunk and drags 130 KB of jsQR into the receipt page.
          if (id.includes('commonjsHelpers')) return 'cjs-helpers';
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
