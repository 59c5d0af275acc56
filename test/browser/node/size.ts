// Sizes as a browser downloads them: gzip at level 9, the budgets in one place.
import { gzipSync } from 'node:zlib';

/**
 * The gzipped JS plus Wasm a browser app pulls in up front for this package, built the way
 * apps are built (the Vite example app: bundled and minified), must stay under this
 * (example-app.test.ts). The threads code, loaded on demand, has LAZY_BUDGET_GZIP_BYTES.
 * 27,653 bytes when it was last raised from 25,000: the Wasm, embedded as base64, went from
 * 4.7 to 8.0 KB gzipped (a one-row-at-a-time loop for rows of 65 to 1023 features, up to 3x
 * faster there, and each kernel's body without activation apart from its clamp body), and
 * @assemblyscript/loader adds 4.4 KB.
 */
export const BUDGET_GZIP_BYTES = 29_000;

/**
 * The same with no bundler (an import map, as the README shows): every file index.js loads
 * statically, @assemblyscript/loader's included, unminified and gzipped one by one. That
 * costs about two fifths more than one minified bundle, hence its own budget
 * (package-dist.test.ts).
 */
export const UNBUNDLED_BUDGET_GZIP_BYTES = 40_000; // 38,347 when raised from 36,000 (as above)

/** The threads code, which only init({ threads }) loads (a dynamic import), on top of that. */
export const LAZY_BUDGET_GZIP_BYTES = 10_000;

export function gzipSize(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 9 }).length;
}
