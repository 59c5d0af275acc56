// Sizes as a browser downloads them: gzip at level 9, the budgets in one place.
import { gzipSync } from 'node:zlib';

/**
 * The gzipped JS plus Wasm a browser app pulls in up front for this package, built the way
 * apps are built (the Vite example app: bundled and minified), must stay under this
 * (example-app.test.ts). The threads code, loaded on demand, has LAZY_BUDGET_GZIP_BYTES.
 * 47,459 bytes when raised from 37,500: float64 layers (dtype: 'float64'), whose kernels are the
 * f64 instances of the same source, exported beside the f32 ones in the one module (the Wasm
 * is 55.7 KB, 13.6 KB gzipped, and as the base64 the JS embeds 22.8 KB gzipped); every app
 * carries them, float64 or not. Loading them
 * on demand, in a second module over the same memory, would take them out of this budget.
 * 37,183 bytes when raised from 35,500: synchronized batch norm (the collective option read
 * and checked, the Exchanger that packs, sends and merges the replicas' statistics, the
 * exchange steps of the forward and backward drivers), which every layer carries whether it
 * syncs or not; messagePortCollective is shaken out of an app that does not import it.
 * 35,300 bytes when raised from 32,600: the kernels as formulas run by drivers that a
 * measured plan picks (two widths of each operation and activation body, the plan table and
 * its lookup: the Wasm 8.96 KB gzipped instead of 7.68), and the JS backend's plain reference
 * kernels shipped beside its fast loops; NHWC 0.56x-0.68x the time, [1024, 4096] 0.88x-0.90x
 * (interleaved A/B, minimums, Node 26; bench/README.md). 32,525 bytes when raised from 32,500: the layer's state and call machinery in a module of
 * their own (layer-core.ts), which the public class forwards to, and allocTensor naming
 * itself when memory runs out (82 bytes). 31,916 bytes when raised from 31,500: normalize's and backwardApply's eight-features-a-step
 * loops (in cache 0.8x and 0.67x the time; the layer's [64, 1024] inference about 2x a memcpy,
 * its target, and its backward 0.85x the time). 31,292 when
 * raised from 31,000: the statistics' eight-features-a-step loop (0.9x the time), a small
 * call's sixteen-features-a-step row (0.8x) and the JS kernels' loads-first loops (0.7x to
 * 0.9x), 0.3 KB in all. 30,322 when raised from 29,000: the Wasm, embedded as base64, went
 * from 8.0 to 9.9 KB gzipped, for blocks of 32 rows in the statistics and the backward reduction
 * (1.1x to 1.55x faster; each has four bodies, with the block's first and last sub-block
 * constant in each: tested at run time instead, 1.1x to 1.3x slower in cache, at 1.2 KB less)
 * and the slab kernels. It was 27,653 when raised from 25,000 (the one-row-at-a-time loops,
 * each kernel's none and clamp bodies, and @assemblyscript/loader's 4.4 KB).
 */
export const BUDGET_GZIP_BYTES = 48_000;

/**
 * The same with no bundler (an import map, as the README shows): every file index.js loads
 * statically, @assemblyscript/loader's included, unminified and gzipped one by one. That
 * costs about two fifths more than one minified bundle, hence its own budget
 * (package-dist.test.ts).
 */
export const UNBUNDLED_BUDGET_GZIP_BYTES = 63_000; // 62,380 when raised from 52,000 (the f64 kernels: as above), 51,487 when raised from 47,500 (sync/collective.js and sync/message-port.js, 3.2 KB gzipped one by one, and the exchange steps: as above), 47,335 when raised from 44,000 (the plan's drivers, plan.ts and plan-table.ts, fast-kernels.ts beside kernels.ts: as above), 43,931 when raised from 43,500 (layer-core.ts: a file more, gzipped on its own; 508 bytes), 43,006 from 42,500, 42,346 from 42,000, 41,400 from 40,000, 38,347 from 36,000 (as above)

/** The threads code, which only init({ threads }) loads (a dynamic import), on top of that. */
export const LAZY_BUDGET_GZIP_BYTES = 10_000;

export function gzipSize(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 9 }).length;
}
