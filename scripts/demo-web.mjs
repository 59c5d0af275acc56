// `npm run demo:web`: serves, from 127.0.0.1 with COOP/COEP (which make the pages
// cross-origin isolated, so that SharedArrayBuffer and so Wasm threads are available):
//  - at /, the experiment page, as `npm run build:web` wrote it to out/web/;
//  - at /demo/, the Wasm-vs-JS benchmark page, which imports dist/index.js through an
//    import map (no bundler), and /dist/ for it; at /demo/workloads.html, the core bench's
//    workloads (bench/workloads.mjs and the naive port it imports) timed in the browser.
// PORT picks the port (default 8080; 0 for any free one).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listen, staticHandler } from './static-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const webRoot = fileURLToPath(new URL('../out/web/', import.meta.url));

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export function startDemoServer(port = 0) {
  const bench = staticHandler({ root, headers: ISOLATION_HEADERS, only: ['/demo/', '/dist/', '/bench/workloads.mjs', '/bench/naive.mjs', '/node_modules/@assemblyscript/loader/'] });
  const page = staticHandler({ root: webRoot, headers: ISOLATION_HEADERS });
  return listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    return (/^\/(demo|dist|bench|node_modules)(\/|$)/.test(path) ? bench : page)(req, res);
  }, port);
}

// Run as a script (not when imported by the tests).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, command] of [['../dist/index.js', 'npm run build'], ['../out/web/index.html', 'npm run build:web']]) {
    if (!existsSync(new URL(file, import.meta.url))) {
      console.error(`demo:web: ${file.slice(3)} is missing; run \`${command}\` first.`);
      process.exit(1);
    }
  }
  const server = await startDemoServer(Number(process.env.PORT ?? 8080));
  console.log(`batchnorm-wasm, the book's experiment live: ${server.url}/`);
  console.log(`the Wasm-vs-JS benchmark page:              ${server.url}/demo/`);
  console.log(`the core bench's workloads in the browser:  ${server.url}/demo/workloads.html`);
  console.log('(Ctrl+C to stop)');
}
