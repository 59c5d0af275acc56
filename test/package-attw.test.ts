// @arethetypeswrong/cli on the packed package: in every resolution mode it checks (node10,
// node16 from CommonJS and from ESM, bundler) the types must match the JavaScript they
// describe, with no problem of any kind. The wasm subpath is a binary asset, not a module:
// attw has nothing to check there (package-consumers.test.ts resolves and loads it).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pack, type Packed, removePacked } from './helpers/packed.js';

interface Resolution {
  resolution?: { fileName: string };
  implementationResolution?: { fileName: string };
}
interface Report {
  problems: Record<string, unknown[]>;
  analysis: { entrypoints: Record<string, { resolutions: Record<string, Resolution> }> };
}

// The CLI's bin, found through its package.json (its exports name no other file).
const cliPackage = createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json');
const attw = join(dirname(cliPackage), (JSON.parse(readFileSync(cliPackage, 'utf8')) as { bin: { attw: string } }).bin.attw);
let packed: Packed;
let report: Report;

beforeAll(() => {
  packed = pack();
  // --no-definitely-typed: the package has its own types, and the test stays offline.
  const run = spawnSync(process.execPath, [attw, packed.tarball, '--format', 'json', '--no-definitely-typed', '--exclude-entrypoints', './batchnorm.wasm'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!run.stdout) throw new Error(`attw printed nothing (exit ${run.status}):\n${run.stderr}`);
  report = JSON.parse(run.stdout);
});
afterAll(() => {
  removePacked(packed);
});

it('finds no problem', () => {
  expect(report.problems).toEqual({});
});

it('resolves the package root to the types and JavaScript of the right format in each mode', () => {
  const resolutions = report.analysis.entrypoints['.'].resolutions;
  const files = Object.fromEntries(Object.entries(resolutions).map(([mode, r]) => [mode, [r.resolution?.fileName, r.implementationResolution?.fileName]]));
  console.log(`attw, "batchnorm-wasm":\n${Object.entries(files).map(([mode, [types, js]]) => `  ${mode}: ${types} -> ${js}`).join('\n')}`);
  const cjs = ['/node_modules/batchnorm-wasm/dist/cjs/index.d.ts', '/node_modules/batchnorm-wasm/dist/cjs/index.js'];
  const esm = ['/node_modules/batchnorm-wasm/dist/index.d.ts', '/node_modules/batchnorm-wasm/dist/index.js'];
  expect(files).toEqual({ node10: cjs, 'node16-cjs': cjs, 'node16-esm': esm, bundler: esm });
});
