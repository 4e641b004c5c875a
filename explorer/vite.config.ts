import { defineConfig, type Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rollup';

// Writes the receipt page's chunks (its own, the flow diagram's, and what they import statically,
// less what the entry already loads) into index.html's bootstrap, which preloads them for
// /r/<code> addresses so they download beside the entry script rather than after it has run.
function receiptPreload(): Plugin {
  const placeholder = '/*receipt-chunks*/ []';
  return {
    name: 'shanliu-receipt-preload',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle || !ctx.chunk) return html; // dev server: nothing is hashed
        if (!html.includes(placeholder)) throw new Error('index.html has no receipt-chunks placeholder');
        const chunks = Object.values(ctx.bundle).filter((c): c is OutputChunk => c.type === 'chunk');
        const pages = ['/src/pages/receipt.ts', '/src/ui/sankey.ts'].map((m) => {
          // The page's own chunk; when another lazy page (the goods receipt) shares its modules,
          // rollup leaves that chunk without a facade, so look for the module inside it too.
          const c = chunks.find((x) => x.facadeModuleId?.endsWith(m)) ?? chunks.find((x) => Object.keys(x.modules).some((k) => k.endsWith(m)));
          if (!c) throw new Error(`no chunk for ${m}`);
          return c;
        });
        const closure = (file: string, out: Set<string>, bundle: OutputBundle): Set<string> => {
          if (out.has(file)) return out;
          out.add(file);
          const c = bundle[file];
          if (c?.type === 'chunk') for (const dep of c.imports) closure(dep, out, bundle);
          return out;
        };
        const loaded = closure(ctx.chunk.fileName, new Set(), ctx.bundle);
        const wanted = new Set<string>();
        for (const page of pages) for (const f of closure(page.fileName, new Set(), ctx.bundle)) if (!loaded.has(f)) wanted.add(f);
        return html.replace(placeholder, JSON.stringify([...wanted].map((f) => `/${f}`)));
      },
    },
  };
}

// The node serves dist/ from its config's api.explorer_dir: hashed files under /assets/ are
// cached for a year, everything else is revalidated, and unknown extension-less paths fall
// back to index.html (client-side routes such as /r/<code>). scripts/postbuild.mjs then writes
// .gz and .br siblings the node serves by content negotiation, and prints the bundle report.
export default defineConfig({
  base: '/',
  plugins: [receiptPreload()],
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
