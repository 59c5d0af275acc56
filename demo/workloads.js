// The core bench's workloads (bench/workloads.mjs: what `npm run bench` times in Node) timed
// in this browser, every implementation prepare() builds, one batch of calls each.
// window.__bnWorkloads offers the timing to `npm run bench:browsers` (bench/browsers.mjs),
// which drives this page with ?driven in Chromium and Firefox, round by round; opened
// without it, the page runs one round itself and shows it.
import { init } from 'batchnorm-wasm';
import { OPS, prepare, WORKLOADS } from '../bench/workloads.mjs';

const reps = new Map(); // calls per batch, kept from round to round for each workload, op and implementation

// Milliseconds per call of fn: one untimed batch first (the first calls compile and tier up),
// then batches of calls, doubled until one lasts minMs, so that the coarse performance.now()
// of browsers does not matter; that batch is the one reported. (Reporting a further batch
// instead once read 0 ms in CI: a first batch slowed by compilation stopped the doubling at
// one call, and one memcpy of a small tensor is under the clock's 5 µs.)
function perCall(key, fn, minMs) {
  let n = reps.get(key) ?? 1;
  const batch = () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return performance.now() - t0;
  };
  batch();
  let ms = batch();
  while (ms < minMs && n < 1 << 22) {
    n *= 2;
    ms = batch();
  }
  reps.set(key, n);
  return ms / n;
}

/**
 * One round of workload `name`: { [op]: { [impl]: ms per call } }. `turn` rotates the order in
 * which the implementations run, so that none always runs first or last.
 */
function timeWorkload(name, { minMs = 25, turn = 0 } = {}) {
  const workload = WORKLOADS.find((w) => w.name === name);
  if (!workload) throw new Error(`no workload ${name}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);
  const { impls, dispose } = prepare(workload);
  try {
    const names = Object.keys(impls);
    const order = names.map((_, i) => names[(i + turn) % names.length]);
    const out = {};
    for (const op of workload.ops ?? OPS) {
      out[op] = {};
      for (const impl of order) out[op][impl] = perCall(`${name} ${op} ${impl}`, impls[impl][op], minMs);
    }
    return out;
  } finally {
    dispose();
  }
}

function show(rows) {
  const tbody = document.querySelector('#results tbody');
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const v of [r.workload, r.op, r.impl, r.ms.toPrecision(3), (r.ms / r.memcpyMs).toFixed(2)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    tbody.append(tr);
  }
}

async function main() {
  const params = new URLSearchParams(location.search);
  const info = await init();
  window.__bnWorkloads = { info, crossOriginIsolated, workloads: WORKLOADS.map((w) => w.name), timeWorkload };
  if (params.has('driven')) {
    document.getElementById('status').textContent = 'Driven by bench/browsers.mjs.';
    document.body.dataset.state = 'ready';
    return;
  }
  const only = params.get('only') ?? '';
  const rows = [];
  for (const name of WORKLOADS.map((w) => w.name).filter((n) => n.includes(only))) {
    document.getElementById('status').textContent = `Timing ${name}…`;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page repaint
    for (const [op, byImpl] of Object.entries(timeWorkload(name))) {
      for (const [impl, ms] of Object.entries(byImpl)) rows.push({ workload: name, op, impl, ms, memcpyMs: byImpl.memcpy });
    }
  }
  show(rows);
  window.__bnWorkloads.rows = rows;
  document.getElementById('status').textContent = `Done: ${rows.length} timings on the ${info.backend} backend.`;
  document.body.dataset.state = 'done';
}

main().catch((error) => {
  document.getElementById('status').textContent = `Failed: ${error?.message ?? error}`;
  window.__bnWorkloads = { error: String(error?.stack ?? error) };
  document.body.dataset.state = 'error';
});
