// A tiny static file server on 127.0.0.1 for the browser tests and the demo: no
// dependency, correct MIME types (Wasm must be application/wasm for compileStreaming),
// optional extra headers (COOP/COEP for the demo), and nothing served outside `root`.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * A request handler serving `root`. `only`, when given, lists the URL path prefixes that
 * may be served (the rest is 404).
 */
export function staticHandler({ root, headers = {}, index = 'index.html', only = null }) {
  const base = resolve(root);
  return async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const rawPath = new URL(req.url ?? '/', 'http://x').pathname; // still percent-encoded
    let path;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return send(400, 'bad path');
    }
    // Browsers ask for it unprompted; an empty answer keeps their consoles free of 404s.
    if (path === '/favicon.ico') return send(204, undefined);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden');
    const isDir = await stat(file).then((st) => st.isDirectory(), () => false);
    if (isDir && !path.endsWith('/')) {
      // Relative URLs in the page resolve against the directory only with the slash.
      res.writeHead(301, { location: `${rawPath}/`, ...headers });
      return res.end();
    }
    if (isDir) file = join(file, index);
    // Prefixes are checked on the normalised path, so '/demo/..%2f' cannot step out.
    const served = '/' + file.slice(base.length + 1).split(sep).join('/');
    if (only && !only.some((prefix) => served.startsWith(prefix))) return send(404, 'not found');
    try {
      const body = await readFile(file);
      send(200, req.method === 'HEAD' ? undefined : body, TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      send(404, 'not found');
    }
  };
}

/** Serves `root` on 127.0.0.1 (see staticHandler). `port` 0 (the default) picks a free one. */
export function startStaticServer({ port = 0, ...options }) {
  return listen(staticHandler(options), port);
}

/** Serves `handler` on 127.0.0.1; resolves with { url, port, close() }. */
export async function listen(handler, port = 0) {
  const server = createServer(handler);
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}
