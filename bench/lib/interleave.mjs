// Interleaved timing: every function of a set runs once a round (in an order that rotates
// round by round), so that a shared machine's slow and fast windows fall on all of them alike,
// and ratios taken from one call of interleaved() compare like with like. Reports each
// function's median and minimum ms per call.
import { median } from './stats.mjs';

const now = () => performance.now();

// Calls per sample: enough that one sample lasts at least minSampleMs (timer resolution).
function repsFor(fn, minSampleMs) {
  for (let reps = 1; ; reps *= 2) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    if (now() - t0 >= minSampleMs || reps >= 1 << 16) return reps;
  }
}

/**
 * Times fns interleaved for about budgetMs (at least minRounds rounds); returns
 * [{ medianMs, minMs, samples }] in the order of fns.
 */
export function interleaved(fns, { budgetMs = 1500, minRounds = 15, minSampleMs = 0.5, warmMs = 250 } = {}) {
  // Warm up each function for warmMs (at least 3 calls): caches, first-call allocations, and
  // tier-up. V8 runs Wasm first as baseline (Liftoff) code and compiles a function's optimised
  // code only once it is hot: after 3 calls, the [64, 1024] training forward still ran partly on
  // baseline code for its whole 2.5 s budget (median 51 and 101 us in two runs of npm run bench,
  // 36 us with --no-liftoff; here on Node v26.12.1).
  // One collection before the warm-up, none between rounds: a gc() each round made every call
  // after it slower, the floors too (NHWC inference: memcpy 3.1-3.4 ms a call against 2.2 ms,
  // the copy loop 3.8-3.9 against 2.5; Intel Xeon, 2 cores, Node v26.12.1), which also drew
  // the kernels' ratios to the floors closer. Garbage of the calls that allocate (the plain
  // API) is collected when V8 chooses, in whichever sample: the medians stand.
  globalThis.gc?.();
  for (const fn of fns) {
    const until = now() + warmMs;
    for (let i = 0; i < 3 || now() < until; i++) fn();
  }
  const reps = fns.map((fn) => repsFor(fn, minSampleMs));
  const samples = fns.map(() => []);
  const end = now() + budgetMs;
  for (let round = 0; round < minRounds || now() < end; round++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (k + round) % fns.length;
      const fn = fns[j];
      const t0 = now();
      for (let i = 0; i < reps[j]; i++) fn();
      samples[j].push((now() - t0) / reps[j]);
    }
  }
  return samples.map((s) => ({ medianMs: median(s), minMs: Math.min(...s), samples: s.length }));
}
