// dist/ as a browser meets it through `import 'batchnorm-wasm'` with no bundler. Every module
// reachable from dist/index.js must be imported by a relative path that exists, or by the
// name of one of the package's runtime dependencies (an import map maps it; the README
// shows how): no other bare specifier, no node: built-in, no require(). What index.js pulls
// in statically (the dependencies' files included) must fit the size budgets; the threads
// code, which only init({ threads }) loads with a dynamic import, has a budget of its own,
// and may name node:worker_threads only as a string for process.getBuiltinModule (a runtime
// probe that is false in browsers) or inside the worker's source text.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { gzipSize, LAZY_BUDGET_GZIP_BYTES, UNBUNDLED_BUDGET_GZIP_BYTES } from './size.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = join(root, 'dist/index.js');
const dependencies = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {});

// Where a browser import of a runtime dependency leads: its package's ESM entry ("import" in its exports).
function dependencyFile(name: string): string {
  const dir = join(root, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, pkg.exports?.import ?? pkg.module ?? pkg.main);
}

const STATIC = /(?:\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s+)(['"])([^'"]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"]+)\1/g;

function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

// Code outside string and template literals: what could really import or require.
function outsideStrings(source: string): string {
  return source.replace(/`(?:\\[\s\S]|[^\\`])*`|'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"/g, '""');
}

const staticGraph = new Set<string>();
const lazyGraph = new Set<string>();

function walk(start: string, graph: Set<string>, lazyStarts: string[]): void {
  const queue = [start];
  while (queue.length) {
    const file = queue.pop()!;
    if (graph.has(file) || (graph === lazyGraph && staticGraph.has(file))) continue;
    graph.add(file);
    if (!existsSync(file)) continue;
    const source = code(file);
    for (const m of source.matchAll(STATIC)) {
      if (m[2].startsWith('.')) queue.push(resolve(dirname(file), m[2]));
      else if (dependencies.includes(m[2])) queue.push(dependencyFile(m[2]));
    }
    for (const m of source.matchAll(DYNAMIC)) if (m[2].startsWith('.')) lazyStarts.push(resolve(dirname(file), m[2]));
  }
}

beforeAll(() => {
  if (!existsSync(entry)) throw new Error('dist/index.js is missing: run `npm run build` first');
  const lazyStarts: string[] = [];
  walk(entry, staticGraph, lazyStarts);
  for (let i = 0; i < lazyStarts.length; i++) walk(lazyStarts[i], lazyGraph, lazyStarts);
});

it('imports only relative modules that exist, none of them Node built-ins', () => {
  const problems: string[] = [];
  for (const file of [...staticGraph, ...lazyGraph]) {
    const name = relative(root, file);
    if (!existsSync(file)) {
      problems.push(`${name}: missing`);
      continue;
    }
    const source = code(file);
    for (const m of [...source.matchAll(STATIC), ...source.matchAll(DYNAMIC)]) {
      if (!/^\.\.?\//.test(m[2]) && !dependencies.includes(m[2])) problems.push(`${name}: imports '${m[2]}'`);
    }
    const live = outsideStrings(source);
    if (/\brequire\s*\(/.test(live)) problems.push(`${name}: calls require()`);
    const nodeNames = source.match(/['"`]node:[a-z_]+['"`]/g) ?? [];
    const probes = source.match(/getBuiltinModule\?*\.?\(\s*['"]node:[a-z_]+['"]\s*\)/g) ?? [];
    if (staticGraph.has(file) ? nodeNames.length > 0 : nodeNames.length > probes.length && !/workerSource\s*=/.test(source)) {
      problems.push(`${name}: names a node: module outside a getBuiltinModule probe`);
    }
  }
  expect(problems).toEqual([]);
  expect(staticGraph.size).toBeGreaterThan(3);
  expect(lazyGraph.size).toBeGreaterThan(0); // the threads code is split off
});

it(`ships the Wasm inside the JS, what index.js loads under ${UNBUNDLED_BUDGET_GZIP_BYTES} bytes gzipped with no bundler`, () => {
  const size = (files: Set<string>) => [...files].reduce((total, f) => total + gzipSize(readFileSync(f)), 0);
  const base = size(staticGraph);
  const lazy = size(lazyGraph);
  console.log(`dist from index.js: ${staticGraph.size} files, ${base} bytes gzipped (each file alone); threads, loaded on demand: ${lazyGraph.size} files, ${lazy} bytes`);
  expect(base).toBeLessThan(UNBUNDLED_BUDGET_GZIP_BYTES);
  expect(lazy).toBeLessThan(LAZY_BUDGET_GZIP_BYTES);
  const hasBytes = [...staticGraph].some((f) => /kernelBase64\s*=\s*['"]AGFzbQ/.test(readFileSync(f, 'utf8')));
  expect(hasBytes).toBe(true); // 'AGFzbQ' is base64 of the Wasm magic number
});
