// Command-line options of `npm start` (experiment/main.ts). Pure parsing: bad values throw
// a UsageError with a message meant for the user; nothing here runs the experiment.
import type { BackendName, DType } from '../src/index.js';
import { DEFAULT_SEED, FULL, LIMITS, SHORT } from './defaults.js';
import { maxImages } from './mnist.js';

export interface ExperimentConfig {
  /** Forced backend, or null for init()'s choice (Wasm when it loads). */
  backend: BackendName | null;
  seed: number;
  epochs: number;
  /** How many values of logspace(0, -4, scales) to try as weightInitStd. */
  scales: number;
  /** Training images (the book: 1,000). */
  images: number;
  outDir: string;
  /** The networks' element type: float32, or float64 (numpy's, as the book runs). */
  dtype: DType;
}

export { DEFAULT_SEED, FULL, SHORT };
export const DEFAULT_OUT = 'out';

export const USAGE = `Usage: npm start -- [options]   (or: npx tsx experiment/main.ts [options])

Trains the book's 5x100 network on MNIST with and without batch norm, for several
weight-initialisation scales, and writes <out>/bn-experiment.json and .svg.

  --full            the book's whole grid: ${FULL.scales} scales x ${FULL.epochs} epochs (default: ${SHORT.scales} x ${SHORT.epochs})
  --backend B       wasm | js (default: wasm, falling back to js where it cannot load)
  --seed N          integer ${LIMITS.seed.min}..${LIMITS.seed.max} seeding weights and minibatches (default ${DEFAULT_SEED})
  --epochs N        epochs per run, ${LIMITS.epochs.min}..${LIMITS.epochs.max} (10 iterations of batch 100 per 1,000 images)
  --scales N        how many of logspace(0, -4, N) to use as weight init std, ${LIMITS.scales.min}..${LIMITS.scales.max}
  --images N        training images, 1..8630 (863 per digit, the most the mnist package
                    has of every digit) (default 1000, as in the book)
  --out DIR         output folder (default ${DEFAULT_OUT}/)
  --dtype T         float32 | float64: the networks' precision, batch norm included (default
                    float32); float64 also trains the float32 grid and prints how far apart they are
  -h, --help        this text`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function intOption(name: string, raw: string, min: number, max: number): number {
  // Digits only: rejects '', '1.5', '1e3', '0x10', ' 7' rather than guessing.
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got ${raw}`);
  return n;
}

/** Parses argv (without node and the script); returns null when help was asked for. */
export function parseArgs(argv: readonly string[]): ExperimentConfig | null {
  const given = new Map<string, string>();
  let full = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue; // `npx tsx experiment/main.ts -- --full` passes it through
    if (arg === '-h' || arg === '--help') return null;
    if (arg === '--full') {
      full = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m || !['backend', 'seed', 'epochs', 'scales', 'images', 'out', 'dtype'].includes(m[1])) {
      throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}' (options start with --)`);
    }
    const name = m[1];
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    }
    if (given.has(name)) throw new UsageError(`--${name} given twice`);
    given.set(name, value);
  }

  const base = full ? FULL : SHORT;
  const opt = (name: string, min: number, max: () => number, fallback: number) =>
    given.has(name) ? intOption(name, given.get(name)!, min, max()) : fallback;
  const backend = given.get('backend') ?? null;
  if (backend !== null && backend !== 'wasm' && backend !== 'js') {
    throw new UsageError(`--backend must be 'wasm' or 'js'; got '${backend}'`);
  }
  const dtype = given.get('dtype') ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new UsageError(`--dtype must be 'float32' or 'float64'; got '${dtype}'`);
  const outDir = given.get('out') ?? DEFAULT_OUT;
  if (outDir === '') throw new UsageError('--out must be a folder path; got an empty string');
  return {
    backend,
    seed: opt('seed', LIMITS.seed.min, () => LIMITS.seed.max, DEFAULT_SEED),
    epochs: opt('epochs', LIMITS.epochs.min, () => LIMITS.epochs.max, base.epochs),
    scales: opt('scales', LIMITS.scales.min, () => LIMITS.scales.max, base.scales),
    images: opt('images', 1, maxImages, base.images),
    outDir,
    dtype,
  };
}
