// The demo page (npm run demo:web) in the headless browser of the project: served with
// COOP/COEP it must be cross-origin isolated, find SIMD, finish its benchmark (Wasm three
// ways: the plain API, into a Float32Array out, resident tensors; and JS) with sensible
// numbers and draw the chart and the table. Timings are noisy, so no speed-up is asserted. The screenshot is kept in
// test-results/demo-ENGINE.png for a person to look at.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDemoServer } from '../../../scripts/demo-web.mjs';
import { closeEngine, count, openPage } from './open-page.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const screenshot = join(root, `test-results/demo-${inject('engine')}.png`);

interface DemoResult {
  env: { backend: string; simd: boolean; crossOriginIsolated: boolean; sharedArrayBuffer: boolean; threads: boolean };
  results: Array<{ pass: string; N: number; D: number; us: Record<string, number>; melemPerS: Record<string, number> }>;
  error?: string;
}

let demo: DemoResult;
let errors: string[];
let bars: number;
let header: string[];
let rows: string[][];

afterAll(closeEngine);

beforeAll(async () => {
  const server = await startDemoServer();
  try {
    const opened = await openPage(`${server.url}/demo/`, 60_000);
    errors = opened.errors;
    demo = (await opened.page.evaluate('window.__bnDemo')) as DemoResult;
    bars = await count(opened.page, '#chart svg rect');
    header = await opened.page.$$eval('#results thead th', (ths) => ths.map((th) => th.textContent ?? ''));
    rows = await opened.page.$$eval('#results tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    mkdirSync(dirname(screenshot), { recursive: true });
    await opened.page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
    await opened.close();
  } finally {
    await server.close();
  }
});

it('finished without errors', () => {
  expect(demo.error).toBeUndefined();
  expect(errors).toEqual([]);
});

it('is cross-origin isolated, so SharedArrayBuffer and threads are available, and finds SIMD', () => {
  expect(demo.env).toEqual({ backend: 'wasm', simd: true, crossOriginIsolated: true, sharedArrayBuffer: true, threads: true });
});

const VARIANTS = ['wasm', 'wasm out', 'wasm resident', 'js'];
const SIZES = [[64, 256], [256, 4096], [1024, 4096]];

it('measured every pass, on every size, for the three Wasm paths and JS, with positive, finite times', () => {
  expect(demo.results.map((r) => `${r.pass} ${r.N}x${r.D}`)).toEqual(
    SIZES.flatMap(([N, D]) => ['train forward', 'inference', 'backward'].map((pass) => `${pass} ${N}x${D}`)));
  for (const r of demo.results) {
    expect(Object.keys(r.us).sort()).toEqual([...VARIANTS].sort());
    for (const variant of VARIANTS) {
      expect(Number.isFinite(r.us[variant]) && r.us[variant] > 0, `${r.pass} ${r.N}x${r.D} ${variant}: ${r.us[variant]} µs`).toBe(true);
      expect(r.melemPerS[variant]).toBeCloseTo((r.N * r.D) / r.us[variant]);
    }
  }
  console.log(demo.results.map((r) => `${r.pass} [${r.N}, ${r.D}]: ${VARIANTS.map((v) => `${v} ${r.us[v].toFixed(1)} µs`).join(', ')}`).join('\n'));
});

it('shows each measurement in the table, with js / wasm time ratios', () => {
  expect(header).toEqual(['pass', 'shape [N, D]', 'wasm µs/call', 'wasm out µs/call', 'wasm resident µs/call', 'js µs/call', 'js time / wasm time (plain · out · resident)']);
  expect(rows).toHaveLength(demo.results.length);
  demo.results.forEach((r, i) => {
    const ratios = VARIANTS.slice(0, 3).map((v) => (r.us.js / r.us[v]).toFixed(2)).join(' · ');
    expect(rows[i]).toEqual([r.pass, `[${r.N}, ${r.D}]`, ...VARIANTS.map((v) => r.us[v].toFixed(1)), ratios]);
  });
});

it('drew one bar per measurement in the chart', () => {
  expect(bars).toBe(demo.results.length * VARIANTS.length + VARIANTS.length); // + the legend's swatches
});
