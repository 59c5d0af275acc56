// The demo page (npm run demo:web) in headless Chromium: served with COOP/COEP it must be
// cross-origin isolated, find SIMD, finish its benchmark with sensible numbers and draw
// the chart. Timings are noisy, so no speed-up is asserted. The screenshot is kept in
// test-results/demo.png for a person to look at.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { startDemoServer } from '../../../scripts/demo-web.mjs';
import { openPage } from './open-page.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const screenshot = join(root, 'test-results/demo.png');

interface DemoResult {
  env: { backend: string; simd: boolean; crossOriginIsolated: boolean; sharedArrayBuffer: boolean; threads: boolean };
  results: Array<{ pass: string; N: number; D: number; us: Record<string, number>; melemPerS: Record<string, number> }>;
  error?: string;
}

let demo: DemoResult;
let errors: string[];
let bars: number;

beforeAll(async () => {
  const server = await startDemoServer();
  try {
    const opened = await openPage(`${server.url}/demo/`, 60_000);
    errors = opened.errors;
    demo = (await opened.page.evaluate('window.__bnDemo')) as DemoResult;
    bars = await opened.page.locator('#chart svg rect').count();
    mkdirSync(dirname(screenshot), { recursive: true });
    await opened.page.screenshot({ path: screenshot, fullPage: true });
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

it('measured every pass on both backends with positive, finite times', () => {
  expect(demo.results).toHaveLength(9); // 3 passes x 3 sizes
  for (const r of demo.results) {
    for (const backend of ['wasm', 'js']) {
      expect(Number.isFinite(r.us[backend]) && r.us[backend] > 0, `${r.pass} ${r.N}x${r.D} ${backend}: ${r.us[backend]} µs`).toBe(true);
      expect(r.melemPerS[backend]).toBeCloseTo((r.N * r.D) / r.us[backend]);
    }
  }
  console.log(demo.results.map((r) => `${r.pass} [${r.N}, ${r.D}]: wasm ${r.us.wasm.toFixed(1)} µs, js ${r.us.js.toFixed(1)} µs`).join('\n'));
});

it('drew one bar per measurement in the chart', () => {
  expect(bars).toBeGreaterThanOrEqual(18 + 2); // 18 bars + 2 legend swatches
});
