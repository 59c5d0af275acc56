// `npm run demo:web`: serves the demo page and the built package from 127.0.0.1 with
// COOP/COEP, which make the page cross-origin isolated so that SharedArrayBuffer (and so
// Wasm threads) is available. The page imports dist/index.js through an import map:
// no bundler is involved. PORT picks the port (default 8080; 0 for any free one).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from './static-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export function startDemoServer(port = 0) {
  return startStaticServer({ root, port, headers: ISOLATION_HEADERS, only: ['/demo/', '/dist/', '/node_modules/@assemblyscript/loader/'] });
}

// Run as a script (not when imported by the test).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
    console.error('demo:web: dist/index.js is missing; run `npm run build` first.');
    process.exit(1);
  }
  const server = await startDemoServer(Number(process.env.PORT ?? 8080));
  console.log(`batchnorm-wasm demo: ${server.url}/demo/  (Ctrl+C to stop)`);
}
