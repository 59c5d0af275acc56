// The demo page: reports what this browser offers, then times Wasm (the plain API, into a
// Float32Array out, and resident tensors) against JS, and draws the result. window.__bnDemo
// holds the numbers for the browser test.
import { init } from 'batchnorm-wasm';
import { PASSES, VARIANTS, benchVariant } from './bench.js';
import { drawChart } from './chart.js';

// A small call, where per-call overhead decides, and two large ones, where copying and
// allocating the returned array do.
const SIZES = [[64, 256], [256, 4096], [1024, 4096]];
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

// js time / wasm time for each Wasm variant: above 1, Wasm is faster.
const ratios = (us) => VARIANTS.filter((v) => v.backend === 'wasm').map((v) => (us[v.key] ? (us.js / us[v.key]).toFixed(2) : '–')).join(' · ');

async function main() {
  const info = await init();
  const env = showEnv(info);
  const variants = VARIANTS.filter((v) => info.backend === 'wasm' || v.backend === 'js');
  const results = [];
  for (const [N, D] of SIZES) {
    const perVariant = {};
    for (const v of variants) {
      $('status').textContent = `Running ${v.key} on [${N}, ${D}]…`;
      await pause();
      perVariant[v.key] = benchVariant(v, N, D);
    }
    for (const pass of PASSES) {
      const us = Object.fromEntries(variants.map((v) => [v.key, perVariant[v.key][pass]]));
      results.push({ pass, N, D, us, melemPerS: Object.fromEntries(variants.map((v) => [v.key, (N * D) / us[v.key]])) });
    }
  }
  const tbody = $('results').querySelector('tbody');
  for (const r of results) {
    const tr = document.createElement('tr');
    const cells = [r.pass, `[${r.N}, ${r.D}]`, ...VARIANTS.map((v) => r.us[v.key]?.toFixed(1) ?? '–'), ratios(r.us)];
    for (const v of cells) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    tbody.append(tr);
  }
  drawChart($('chart'), results.map((r) => ({ label: [r.pass.replace('train forward', 'train'), `${r.N}×${r.D}`], values: r.melemPerS })));
  $('status').textContent = `Done: ${results.length * variants.length} measurements, best of 5 batches each.`;
  window.__bnDemo = { env, results };
  document.body.dataset.state = 'done';
}

main().catch((error) => {
  $('status').textContent = `Failed: ${error?.message ?? error}`;
  window.__bnDemo = { error: String(error?.stack ?? error) };
  document.body.dataset.state = 'error';
});
