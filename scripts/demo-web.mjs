// `npm run demo:web`: serves the demo page and the built package from 127.0.0.1 with
// COOP/COEP, which make the page cross-origin isolated so that SharedArrayBuffer (and so
// Wasm threads) is available. The page imports dist/index.js through an import map:
// no bundler is involved.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from './static-server.mjs';

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export function startDemoServer(port = 0) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  return startStaticServer({ root, port, headers: ISOLATION_HEADERS, only: ['/demo/', '/dist/', '/favicon.ico'] });
}

// Run as a script (not when imported by the test).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    console.error('demo:web: dist/index.js is missing; run `npm run build` first.');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8080);
  const server = await startDemoServer(port);
  console.log(`batchnorm-wasm demo: ${server.url}/demo/  (Ctrl+C to stop)`);
}
