// The core bench's workloads in the browser (demo/workloads.html, what `npm run bench:browsers`
// drives) in the headless browser of the project: served as `npm run demo:web` serves it, the
// page times, on the Wasm backend, every implementation that bench/workloads.mjs's prepare()
// builds for `npm run bench` in Node, and shows each timing with its ratio to memcpy. Only the
// small call runs here (?only=): the page's timing, not the machine's speed, is under test.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WORKLOADS, prepare } from '../../../bench/workloads.mjs';
import { init } from '../../../dist/index.js';
import { startDemoServer } from '../../../scripts/demo-web.mjs';
import { closeEngine, openPage } from './open-page.js';

const SMALL = WORKLOADS.find((w) => w.name.includes('small'))!;

interface Row { workload: string; op: string; impl: string; ms: number; memcpyMs: number }
interface PageState {
  info: { backend: string; simd: boolean };
  crossOriginIsolated: boolean;
  workloads: string[];
  rows: Row[];
  error?: string;
}

let state: PageState;
let errors: string[];
let table: string[][];
let driven: Record<string, Record<string, number>>;

afterAll(closeEngine);

beforeAll(async () => {
  const server = await startDemoServer();
  try {
    const opened = await openPage(`${server.url}/demo/workloads.html?only=${encodeURIComponent(SMALL.name)}`, 60_000);
    errors = opened.errors;
    state = (await opened.page.evaluate('({ ...window.__bnWorkloads, timeWorkload: undefined })')) as PageState;
    table = await opened.page.$$eval('#results tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    await opened.close();
    // Driven, as bench/browsers.mjs drives it: nothing runs until asked, then one round of a workload.
    const page = await openPage(`${server.url}/demo/workloads.html?driven`, 60_000, 'ready');
    expect(page.state).toBe('ready');
    expect(await page.page.evaluate('window.__bnWorkloads.rows')).toBeUndefined();
    type Driven = { __bnWorkloads: { timeWorkload(name: string, options: { minMs: number }): typeof driven } };
    driven = await page.page.evaluate((name) => (window as unknown as Driven).__bnWorkloads.timeWorkload(name, { minMs: 1 }), SMALL.name);
    errors.push(...page.errors);
    await page.close();
  } finally {
    await server.close();
  }
});

it('loaded cross-origin isolated, on the Wasm backend, without errors', () => {
  expect(state.error).toBeUndefined();
  expect(errors).toEqual([]);
  expect(state.info).toEqual({ backend: 'wasm', simd: true });
  expect(state.crossOriginIsolated).toBe(true);
  expect(state.workloads).toEqual(WORKLOADS.map((w) => w.name));
});

it('timed every implementation npm run bench times on the workload, with positive, finite times', async () => {
  await init();
  const { impls, dispose } = prepare(SMALL);
  const names = Object.keys(impls);
  dispose();
  expect(names).toContain('wasm resident');
  const ops = SMALL.ops ?? ['train', 'infer', 'backward'];
  expect(state.rows.map((r) => `${r.op} ${r.impl}`).sort()).toEqual(ops.flatMap((op) => names.map((n) => `${op} ${n}`)).sort());
  for (const r of state.rows) {
    expect(r.workload).toBe(SMALL.name);
    expect(Number.isFinite(r.ms) && r.ms > 0, `${r.impl}: ${r.ms} ms`).toBe(true);
    expect(r.memcpyMs).toBe(state.rows.find((m) => m.op === r.op && m.impl === 'memcpy')!.ms);
  }
  console.log(state.rows.map((r) => `${r.impl} ${(r.ms * 1e3).toFixed(2)} µs`).join(', '));
});

it('times one round of a workload when driven', () => {
  expect(Object.keys(driven)).toEqual(SMALL.ops ?? ['train', 'infer', 'backward']);
  for (const [op, byImpl] of Object.entries(driven)) {
    expect(Object.keys(byImpl).sort()).toEqual(state.rows.filter((r) => r.op === op).map((r) => r.impl).sort());
    for (const [impl, ms] of Object.entries(byImpl)) expect(Number.isFinite(ms) && ms > 0, `${op} ${impl}: ${ms} ms`).toBe(true);
  }
});

it('shows each timing and its ratio to memcpy in the table', () => {
  expect(table).toEqual(state.rows.map((r) => [r.workload, r.op, r.impl, r.ms.toPrecision(3), (r.ms / r.memcpyMs).toFixed(2)]));
});
