// Median wall time per call with process.hrtime.bigint: a short warm-up, then calls until
// a time budget is spent (at least minIters, at most maxIters). Handles sync and async
// run functions (onnxruntime's session.run returns a Promise; awaiting it is part of the call).

// Awaits only a thenable, so that synchronous implementations pay no microtask hop.
const call = (run) => {
  const r = run();
  return r && typeof r.then === 'function' ? r : undefined;
};

export async function medianMs(run, { warmupMs = 250, budgetMs = 1200, minIters = 5, maxIters = 300 } = {}) {
  const t0 = performance.now();
  let warm = 0;
  while (warm < 2 || performance.now() - t0 < warmupMs) {
    await call(run);
    warm++;
  }
  const samples = [];
  const start = performance.now();
  while (samples.length < maxIters && (samples.length < minIters || performance.now() - start < budgetMs)) {
    const a = process.hrtime.bigint();
    const pending = call(run);
    if (pending) await pending;
    samples.push(Number(process.hrtime.bigint() - a) / 1e6);
  }
  samples.sort((x, y) => x - y);
  const mid = samples.length >> 1;
  return samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
}
