// Sizes as a browser downloads them: gzip at level 9, the budgets in one place.
import { gzipSync } from 'node:zlib';

/**
 * The gzipped JS plus Wasm a browser app pulls in up front for this package, built the way
 * apps are built (the Vite example app: bundled and minified), must stay under this
 * (example-app.test.ts). The threads code, loaded on demand, has LAZY_BUDGET_GZIP_BYTES.
 */
export const BUDGET_GZIP_BYTES = 25_000;

/**
 * The same with no bundler (an import map, as the README shows): every file index.js loads
 * statically, @assemblyscript/loader's included, unminified and gzipped one by one. That
 * costs about two fifths more than one minified bundle, hence its own budget
 * (package-dist.test.ts).
 */
export const UNBUNDLED_BUDGET_GZIP_BYTES = 36_000;

/** The threads code, which only init({ threads }) loads (a dynamic import), on top of that. */
export const LAZY_BUDGET_GZIP_BYTES = 10_000;

export function gzipSize(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 9 }).length;
}
