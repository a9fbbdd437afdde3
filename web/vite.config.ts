// Builds the pages of the browser app (helper console, admin centre and sharer page)
// as plain files that the server and the local agent serve under a strict
// Content-Security-Policy: no inline script or style may end up in the HTML.
import { defineConfig } from 'vite';

const page = (name: string): string => decodeURIComponent(new URL(name, import.meta.url).pathname);

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    // Every asset is a file: data: URLs would be blocked by connect-src for wasm.
    assetsInlineLimit: 0,
    // The polyfill is unneeded in es2022 browsers and must not be inlined.
    modulePreload: { polyfill: false },
    cssCodeSplit: true,
    sourcemap: false,
    rolldownOptions: {
      input: {
        index: page('./index.html'),
        share: page('./share.html'),
        admin: page('./admin.html'),
      },
      output: {
        // Code both pages use goes to "shared"; languages load on their own.
        chunkFileNames: (chunk) => (chunk.isDynamicEntry ? 'assets/locale-[hash].js' : 'assets/shared-[hash].js'),
        assetFileNames: (asset) => {
          const name = asset.names[0] ?? '';
          const own = !name.endsWith('.css') || ['index.css', 'share.css', 'admin.css'].includes(name);
          return own ? 'assets/[name]-[hash][extname]' : 'assets/shared-[hash][extname]';
        },
      },
    },
  },
  preview: { port: 4173, strictPort: true },
});
