// `npm run build:web`: the experiment page as a static folder, out/web/, that any static host
// serves. Vite bundles web/ with the experiment and the library from src/ (no import map);
// the images come from the mnist package as bytes (experiment/mnist-bytes.ts), not as the
// 41 MB package. Threads need COOP/COEP headers: _headers sets them on hosts
// that read it (Netlify, Cloudflare Pages); elsewhere see docs/EXPERIMENT.md.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { SHORT } from '../experiment/defaults.js';
import { mnistBytes } from '../experiment/mnist.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const WEB_OUT = join(root, 'out/web');

await build({
  configFile: false,
  root: join(root, 'web'),
  base: './', // relative URLs: the folder works under any path
  logLevel: 'warn',
  build: { outDir: WEB_OUT, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  worker: { format: 'es' }, // the library loads its threads code lazily: a module Worker splits it
});
const images = mnistBytes(SHORT.images);
writeFileSync(join(WEB_OUT, 'mnist.bin'), images);
writeFileSync(join(WEB_OUT, '_headers'), '/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n');
console.log(`build:web: out/web/ (the page, its Worker, mnist.bin with ${SHORT.images} images in ${images.length} bytes)`);
