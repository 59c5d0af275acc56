// The package under a Content-Security-Policy. Chromium and Firefox treat every Wasm
// compilation (bytes or streaming from a URL) as eval: a page must allow 'wasm-unsafe-eval' in
// script-src for the Wasm backend; under a stricter policy init({ backend: 'js' }) works.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { startStaticServer } from '../../../scripts/static-server.mjs';
import { closeEngine, openPage, text } from './open-page.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

afterAll(closeEngine);

// The page's import map (it maps the package's dependency @assemblyscript/loader) is an inline
// script: a CSP allows it by its hash, as a real page without a bundler would.
const page = readFileSync(resolve(root, 'test/browser/node/csp-page/index.html'), 'utf8');
const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)![1];
const IMPORT_MAP = `'sha256-${createHash('sha256').update(importMap).digest('base64')}'`;

async function run(csp: string, mode: 'embedded' | 'url' | 'js') {
  const server = await startStaticServer({
    root, headers: { 'content-security-policy': csp }, only: ['/test/browser/node/csp-page/', '/dist/', '/build/', '/node_modules/@assemblyscript/loader/'],
  });
  try {
    const opened = await openPage(`${server.url}/test/browser/node/csp-page/?mode=${mode}`, 15_000);
    const result = JSON.parse((await text(opened.page, '#result')) ?? 'null');
    await opened.close();
    return { ...result, errors: opened.errors, warnings: opened.warnings };
  } finally {
    await server.close();
  }
}

const ALLOWS_WASM = `default-src 'self'; script-src 'self' ${IMPORT_MAP} 'wasm-unsafe-eval'`;
const STRICT = `default-src 'self'; script-src 'self' ${IMPORT_MAP}`;
const Y = [-1, -1, 1, 1].map((v) => v / Math.sqrt(1 + 1e-6));

it.each(['embedded', 'url'] as const)("with 'wasm-unsafe-eval', the %s Wasm loads and runs", async (mode) => {
  const r = await run(ALLOWS_WASM, mode);
  expect(r.error).toBeUndefined();
  expect(r.info).toEqual({ backend: 'wasm', simd: true });
  r.y.forEach((v: number, i: number) => expect(v).toBeCloseTo(Y[i], 5));
  expect(r.errors).toEqual([]);
});

it('under a strict script-src, init() falls back to the JS backend with a warning', async () => {
  const r = await run(STRICT, 'embedded');
  expect(r.error).toBeUndefined();
  expect(r.info).toEqual({ backend: 'js', simd: true });
  r.y.forEach((v: number, i: number) => expect(v).toBeCloseTo(Y[i], 5));
  expect(r.warnings.join('\n')).toMatch(/compiling the Wasm kernels was refused .*wasm-unsafe-eval/);
});

it("under a strict script-src, init({ backend: 'js' }) works", async () => {
  const r = await run(STRICT, 'js');
  expect(r.error).toBeUndefined();
  expect(r.info.backend).toBe('js');
  r.y.forEach((v: number, i: number) => expect(v).toBeCloseTo(Y[i], 5));
  expect(r.errors).toEqual([]);
});
