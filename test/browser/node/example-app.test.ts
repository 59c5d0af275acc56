// examples/browser, the way a user meets the package: a Vite app that imports
// 'batchnorm-wasm' by name. Built with the example's own Vite, served from 127.0.0.1,
// loaded in the headless browser of the project; the numbers the page computes are checked
// against an independent float64 reference, and the built bundle against the size budget.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStaticServer } from '../../../scripts/static-server.mjs';
import { worstError } from '../../helpers/compare.js';
import { refBackward, refForward, type RefState } from '../../helpers/reference.js';
import { closeEngine, openPage, text } from './open-page.js';
import { BUDGET_GZIP_BYTES, gzipSize, LAZY_BUDGET_GZIP_BYTES } from './size.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const app = join(root, 'examples/browser');
const vite = join(app, 'node_modules/vite/bin/vite.js');

interface PageResult {
  info: { backend: string; simd: boolean };
  N: number;
  D: number;
  inputs: Record<'gamma' | 'beta' | 'x' | 'dout', number[]>;
  outputs: Record<'train' | 'dx' | 'infer' | 'dgamma' | 'dbeta', number[]>;
}

let result: PageResult;
let errors: string[];

afterAll(closeEngine);

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(vite) || !existsSync(join(app, 'node_modules/batchnorm-wasm'))) {
    throw new Error('examples/browser is not installed: run `npm ci --ignore-scripts` in examples/browser');
  }
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'pipe' });
  const server = await startStaticServer({ root: join(app, 'dist') });
  try {
    const opened = await openPage(`${server.url}/`);
    errors = opened.errors;
    expect(opened.state).toBe('done');
    result = JSON.parse((await text(opened.page, '#result')) ?? 'null') as PageResult;
    await opened.close();
  } finally {
    await server.close();
  }
});

it('loaded with no page error, console error or failed request', () => {
  expect(errors).toEqual([]);
});

it('ran on the Wasm backend with SIMD', () => {
  expect(result.info).toEqual({ backend: 'wasm', simd: true });
});

it('computed the forward, backward and inference of a float64 reference', () => {
  const { N, D, inputs, outputs } = result;
  const tol = { rtol: 2e-4, atol: 2e-5 }; // the fixtures' float32 tolerance
  const state: RefState = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
  const train = refForward(inputs.x, N, D, inputs.gamma, inputs.beta, state, 0.9, true);
  const back = refBackward(inputs.dout, D, inputs.gamma, state);
  const infer = refForward(inputs.x, N, D, inputs.gamma, inputs.beta, state, 0.9, false);
  const expected = { train, dx: back.dx, dgamma: back.dgamma, dbeta: back.dbeta, infer };
  for (const [name, values] of Object.entries(expected)) {
    const got = outputs[name as keyof typeof expected];
    expect(got, name).toHaveLength(values.length);
    expect(worstError(got, values, tol).ratio, name).toBeLessThanOrEqual(1);
  }
});

it(`loads under ${BUDGET_GZIP_BYTES} bytes of gzipped JS plus Wasm up front, the threads code (loaded on demand) under ${LAZY_BUDGET_GZIP_BYTES}`, () => {
  const assets = join(app, 'dist/assets');
  const files = readdirSync(assets).filter((f) => /\.(m?js|wasm)$/.test(f));
  // What the page loads up front: the scripts and preloads its HTML names; the rest are chunks of import().
  const html = readFileSync(join(app, 'dist/index.html'), 'utf8');
  const upFront = files.filter((f) => html.includes(`/assets/${f}`));
  const size = (list: string[]) => list.reduce((sum, f) => sum + gzipSize(readFileSync(join(assets, f))), 0);
  const lazy = files.filter((f) => !upFront.includes(f));
  console.log(`example app bundle: ${upFront.join(', ')}: ${size(upFront)} bytes gzipped up front; ${lazy.join(', ')}: ${size(lazy)} on demand`);
  expect(upFront.length).toBeGreaterThan(0);
  expect(lazy.length).toBeGreaterThan(0); // the threads code is split off
  expect(size(upFront)).toBeLessThan(BUDGET_GZIP_BYTES);
  expect(size(lazy)).toBeLessThan(LAZY_BUDGET_GZIP_BYTES);
});
