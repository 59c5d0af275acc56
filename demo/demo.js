// The demo page: reports what this browser offers, then benchmarks Wasm against JS and
// draws the result. window.__bnDemo holds the numbers for the Playwright test.
import { init } from 'batchnorm-wasm';
import { PASSES, benchLayer } from './bench.js';
import { drawChart } from './chart.js';

const SIZES = [[64, 256], [256, 512], [512, 2048]];
const $ = (id) => document.getElementById(id);

function showEnv(info) {
  const threads = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  const rows = [
    ['Backend picked by init()', info.backend, info.backend === 'wasm'],
    ['WebAssembly SIMD', info.simd ? 'available' : 'unavailable', info.simd],
    ['crossOriginIsolated', String(globalThis.crossOriginIsolated === true), globalThis.crossOriginIsolated === true],
    ['SharedArrayBuffer', typeof SharedArrayBuffer === 'function' ? 'available' : 'unavailable', typeof SharedArrayBuffer === 'function'],
    ['Threads (shared Wasm memory)', threads ? 'possible' : 'not possible on this page', threads],
    ['Logical cores', String(navigator.hardwareConcurrency ?? '?'), true],
  ];
  $('env').replaceChildren(...rows.flatMap(([k, v, ok]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dd.className = ok ? 'yes' : 'no';
    return [dt, dd];
  }));
  return { backend: info.backend, simd: info.simd, crossOriginIsolated: globalThis.crossOriginIsolated === true, sharedArrayBuffer: typeof SharedArrayBuffer === 'function', threads };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint

async function main() {
  const info = await init();
  const env = showEnv(info);
  const backends = info.backend === 'wasm' ? ['wasm', 'js'] : ['js'];
  const results = [];
  for (const [N, D] of SIZES) {
    const perBackend = {};
    for (const b of backends) {
      $('status').textContent = `Running ${b} on [${N}, ${D}]…`;
      await pause();
      perBackend[b] = benchLayer(b, N, D);
    }
    for (const pass of PASSES) {
      const us = Object.fromEntries(backends.map((b) => [b, perBackend[b][pass]]));
      results.push({ pass, N, D, us, melemPerS: Object.fromEntries(backends.map((b) => [b, (N * D) / us[b]])) });
    }
  }
  const tbody = $('results').querySelector('tbody');
  for (const r of results) {
    const tr = document.createElement('tr');
    const speed = r.us.wasm ? `${(r.us.js / r.us.wasm).toFixed(2)}×` : '–';
    for (const v of [r.pass, `[${r.N}, ${r.D}]`, r.us.wasm?.toFixed(1) ?? '–', r.us.js.toFixed(1), speed]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    tbody.append(tr);
  }
  drawChart($('chart'), results.map((r) => ({ label: [r.pass.replace('train forward', 'train'), `${r.N}×${r.D}`], values: r.melemPerS })));
  $('status').textContent = `Done: ${results.length} measurements, best of 5 batches each.`;
  window.__bnDemo = { env, results };
  document.body.dataset.state = 'done';
}

main().catch((error) => {
  $('status').textContent = `Failed: ${error?.message ?? error}`;
  window.__bnDemo = { error: String(error?.stack ?? error) };
  document.body.dataset.state = 'error';
});
