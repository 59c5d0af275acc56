// The experiment's grids and the ranges of its settings: one source for `npm start`'s options
// (args.ts) and the page's controls (web/). No Node imports.

export interface GridSize {
  epochs: number;
  scales: number;
  /** Training images (the book: 1,000). */
  images: number;
}

/** The book's whole grid (batch_norm_test.py). */
export const FULL: GridSize = { epochs: 20, scales: 16, images: 1000 };
/** The default: same network and data, a smaller grid (about a minute on 2 cores). */
export const SHORT: GridSize = { epochs: 16, scales: 8, images: 1000 };
export const DEFAULT_SEED = 1;

/** Inclusive integer ranges of the settings (images: up to what the data holds). */
export const LIMITS = {
  seed: { min: 0, max: 0xffffffff },
  epochs: { min: 1, max: 1000 },
  scales: { min: 1, max: 64 },
} as const;
