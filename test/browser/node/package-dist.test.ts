// dist/ as a browser meets it through `import 'batchnorm-wasm'` with no bundler: every
// module reachable from dist/index.js must be imported by a relative path that exists
// (no bare specifier, no node: built-in), and the lot must fit the size budget.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { BUDGET_GZIP_BYTES, gzipSize } from './size.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = join(root, 'dist/index.js');

// Static imports/re-exports, side-effect imports and dynamic imports with a literal.
const SPECIFIER = /(?:\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;

function specifiers(code: string): string[] {
  const noComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...noComments.matchAll(SPECIFIER)].map((m) => m[2]);
}

const reachable = new Map<string, string[]>(); // file -> its specifiers

beforeAll(() => {
  if (!existsSync(entry)) throw new Error('dist/index.js is missing: run `npm run build` first');
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (reachable.has(file)) continue;
    const specs = specifiers(readFileSync(file, 'utf8'));
    reachable.set(file, specs);
    for (const s of specs) if (s.startsWith('./') || s.startsWith('../')) queue.push(resolve(dirname(file), s));
  }
});

it('imports only relative modules that exist, none of them Node built-ins', () => {
  const problems: string[] = [];
  for (const [file, specs] of reachable) {
    const name = relative(root, file);
    if (!existsSync(file)) problems.push(`${name}: missing`);
    for (const s of specs) if (!/^\.\.?\//.test(s)) problems.push(`${name}: imports '${s}'`);
    const code = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (/\brequire\s*\(/.test(code)) problems.push(`${name}: calls require()`);
    if (/['"]node:/.test(code)) problems.push(`${name}: names a node: module`);
  }
  expect(problems).toEqual([]);
  expect(reachable.size).toBeGreaterThan(3);
});

it(`ships the Wasm inside the JS, all of it under ${BUDGET_GZIP_BYTES} bytes gzipped`, () => {
  let total = 0;
  for (const file of reachable.keys()) total += gzipSize(readFileSync(file));
  console.log(`dist reachable from index.js: ${reachable.size} files, ${total} bytes gzipped (each file alone)`);
  expect(total).toBeLessThan(BUDGET_GZIP_BYTES);
  const hasBytes = [...reachable.keys()].some((f) => /kernelBase64\s*=\s*['"]AGFzbQ/.test(readFileSync(f, 'utf8')));
  expect(hasBytes).toBe(true); // 'AGFzbQ' is base64 of the Wasm magic number
});
