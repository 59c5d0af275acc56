// Sizes as a browser downloads them: gzip at level 9, the budget in one place.
import { gzipSync } from 'node:zlib';

/** The gzipped JS plus Wasm a browser app pulls in for this package must stay under this. */
export const BUDGET_GZIP_BYTES = 25_000;

/** The threads code, which only init({ threads }) loads (a dynamic import), on top of that. */
export const LAZY_BUDGET_GZIP_BYTES = 10_000;

export function gzipSize(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 9 }).length;
}
