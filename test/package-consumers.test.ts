// The packed package run by its users' kinds of program, each in a fresh project that has it
// in node_modules: a CommonJS one (`require`, a package.json with "type": "commonjs", as
// `npm init -y` writes it), an ES module, and createRequire from an ES module. Each computes a
// training forward (threads too) and loads the kernels from the `batchnorm-wasm/batchnorm.wasm`
// subpath; the results are compared with batch norm computed here in float64.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerProject, pack, type Packed, removePacked } from './helpers/packed.js';

const N = 70_000; // with D = 2, more than 2 x 65,536 elements: two threads split it
const D = 2;
// x[i] = sin(i): the consumer programs compute the same values.
const x = Float64Array.from({ length: N * D }, (_, i) => Math.sin(i));

// The book's training forward, gamma 1, beta 0, eps 1e-6, in float64.
function reference(): Float64Array {
  const y = new Float64Array(N * D);
  for (let d = 0; d < D; d++) {
    let mean = 0;
    for (let n = 0; n < N; n++) mean += x[n * D + d];
    mean /= N;
    let v = 0;
    for (let n = 0; n < N; n++) v += (x[n * D + d] - mean) ** 2;
    v /= N;
    for (let n = 0; n < N; n++) y[n * D + d] = (x[n * D + d] - mean) / Math.sqrt(v + 1e-6);
  }
  return y;
}

// The consumer's body, the same in every module format: `lib` is the package, `wasmPath` the
// file the wasm subpath resolved to. It prints one JSON line.
const body = `
const x = Float32Array.from({ length: ${N * D} }, (_, i) => Math.sin(i));
const bn = () => new lib.BatchNormalization(new Float32Array(${D}).fill(1), new Float32Array(${D}));
const fromFile = await lib.init({ wasm: readFileSync(wasmPath) });
const single = Array.from(bn().forward({ data: x, shape: [${N}, ${D}] }).data);
const threaded = await lib.init({ threads: 2 });
const split = Array.from(bn().forward({ data: x, shape: [${N}, ${D}] }).data);
lib.shutdown();
console.log(JSON.stringify({ fromFile, threaded, wasmPath, single, split }));
`;

const programs = {
  'CommonJS (require, "type": "commonjs")': {
    type: 'commonjs',
    file: 'main.js',
    source: `const { readFileSync } = require('node:fs');
const lib = require('batchnorm-wasm');
const wasmPath = require.resolve('batchnorm-wasm/batchnorm.wasm');
console.error(require.resolve('batchnorm-wasm'));
(async () => {${body}})().catch((e) => { console.error(e); process.exit(1); });
`,
    entry: 'dist/cjs/index.js',
  },
  'ES module (import)': {
    type: 'module',
    file: 'main.js',
    source: `import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as lib from 'batchnorm-wasm';
const wasmPath = fileURLToPath(import.meta.resolve('batchnorm-wasm/batchnorm.wasm'));
console.error(fileURLToPath(import.meta.resolve('batchnorm-wasm')));
${body}`,
    entry: 'dist/index.js',
  },
  'ES module with createRequire': {
    type: 'module',
    file: 'main.mjs',
    source: `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const lib = require('batchnorm-wasm');
const wasmPath = require.resolve('batchnorm-wasm/batchnorm.wasm');
console.error(require.resolve('batchnorm-wasm'));
${body}`,
    entry: 'dist/cjs/index.js',
  },
};

let packed: Packed;
const projects: string[] = [];
beforeAll(() => {
  packed = pack();
});
afterAll(() => {
  removePacked(packed, projects);
});

describe.each(Object.entries(programs))('a consumer of the packed package: %s', (_, program) => {
  let result: { fromFile: unknown; threaded: unknown; wasmPath: string; single: number[]; split: number[] };
  let resolved: string;

  beforeAll(() => {
    const project = consumerProject(packed, { type: program.type });
    projects.push(project);
    writeFileSync(join(project, program.file), program.source);
    const run = spawnSync(process.execPath, [program.file], { cwd: project, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`node ${program.file} exited with ${run.status ?? run.signal}:\n${run.stderr}`);
    result = JSON.parse(run.stdout);
    resolved = run.stderr.trim().split('\n')[0];
  });

  it(`loads ${program.entry}`, () => {
    expect(resolved.replaceAll('\\', '/')).toMatch(new RegExp(`/node_modules/batchnorm-wasm/${program.entry}$`));
  });

  it('init({ wasm }) takes the file of the batchnorm-wasm/batchnorm.wasm subpath', () => {
    expect(result.wasmPath.replaceAll('\\', '/')).toMatch(/\/node_modules\/batchnorm-wasm\/build\/batchnorm\.wasm$/);
    expect(result.fromFile).toEqual({ backend: 'wasm', simd: true });
  });

  it('computes the training forward, on one thread and on two', () => {
    expect(result.threaded).toEqual({ backend: 'wasm', simd: true, threads: 2 });
    const ref = reference();
    for (const [name, y] of [['one thread', result.single], ['two threads', result.split]] as const) {
      expect(y, name).toHaveLength(N * D);
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
      expect(worst, `${name}: max |y - float64 reference|`).toBeLessThan(1e-5);
    }
  });
});
