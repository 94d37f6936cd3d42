import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

/**
 * Writes `<file>.gz` and `<file>.br` beside every text file of the build:
 * the hub sends them as they are (@fastify/static `preCompressed`), so a
 * 2-core hub compresses nothing per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'kcloud-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
      for (const file of walk(outDir).filter((f) => COMPRESSIBLE.test(f))) {
        const body = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// `vite build console` (npm run build): console/ is the root, the output goes to dist/console, which the hub serves at /.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [precompress()],
  build: { outDir: join(import.meta.dirname, '../dist/console'), emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  // The dev server (`npx vite console`) sends API calls to a hub on 8001 (KCLOUD_HUB_URL to choose another).
  server: { proxy: { '/api': { target: process.env.KCLOUD_HUB_URL ?? 'http://127.0.0.1:8001', ws: true } } },
});
