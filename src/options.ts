// The layer's options and hyper-parameters: each checked here, with the message naming the
// option, what it accepts and what came (validate.ts holds the checks of tensors and arrays).
import { ACTIVATION_NAMES, ACTIVATIONS, type Activation } from './activation.js';
import { readCollective, type Collective, type SyncSettings } from './sync/collective.js';
import type { Axis, BackendName, DType } from './types.js';
import { checkBoolean, describe } from './validate.js';

/**
 * The constructor's options (the last argument of `new BatchNormalization`, and of
 * `fromPyTorch` and `fromKeras`). A key left undefined keeps its default; an unknown key is a
 * RangeError.
 *
 * @example
 * ```ts
 * const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { axis: 1, eps: 1e-5, activation: 'relu' });
 * ```
 */
export interface BatchNormalizationOptions<D extends DType = DType> {
  /**
   * The element type the layer computes in and keeps its arrays in. 'float32' (default): its
   * gamma, beta, running statistics, dgamma, dbeta and results are Float32Arrays, as always.
   * 'float64': they are Float64Arrays, and every step computes in float64 (the book's numpy
   * precision; the Wasm kernels' f64 twins, never rounding through float32), for gradient
   * checks and ports of the book. Chosen here, not from gamma's type: a caller who passes
   * plain arrays or a Float64Array keeps a float32 layer, and the precision shows where the
   * layer is made (PyTorch and onnxruntime are explicit about dtypes too).
   *
   * @example
   * ```ts
   * const bn = new BatchNormalization(new Float64Array([1, 1]), new Float64Array([0, 0]), 0.9, null, null, { dtype: 'float64' });
   * ```
   */
  dtype?: D;
  /**
   * Added to the variance inside the square root. Default 1e-6 (the book's 10e-7).
   *
   * @example
   * ```ts
   * { eps: 1e-5 } // PyTorch's
   * ```
   */
  eps?: number;
  /**
   * Default: the backend init() chose.
   *
   * @example
   * ```ts
   * { backend: 'js' } // the TypeScript kernels, no init() needed
   * ```
   */
  backend?: BackendName;
  /**
   * The axis whose entries keep their own statistics (Keras' convention). Default: the
   * book's, every axis but 0 ([N, C, H, W] read as [N, C*H*W]). 1: per channel, channels
   * first (PyTorch, ONNX). -1 or the last index: per channel, channels last ([N, H, W, C]).
   *
   * @example
   * ```ts
   * { axis: 1 }  // x is [N, C, H, W], statistics per C
   * { axis: -1 } // x is [N, H, W, C]
   * ```
   */
  axis?: Axis | null;
  /**
   * A fused activation after the affine transform (forward and backward): 'relu', or 'relu6' (min(max(y, 0), 6)).
   *
   * @example
   * ```ts
   * { activation: 'relu6' }
   * ```
   */
  activation?: Activation | null;
  /**
   * Feed the running variance with the unbiased batch variance, as PyTorch does. Default false.
   *
   * @example
   * ```ts
   * { runningVarUnbiased: true }
   * ```
   */
  runningVarUnbiased?: boolean;
  /**
   * false: no running statistics (PyTorch's track_running_stats=False): every forward, in
   * training and in inference, normalises with the batch's own statistics, and backward
   * differentiates the last forward of either mode. runningMean, runningVar and
   * numBatchesTracked are then null; foldInto and toKeras refuse. Default true.
   *
   * @example
   * ```ts
   * { trackRunningStats: false } // e.g. pix2pix's generator: batch statistics at inference
   * ```
   */
  trackRunningStats?: boolean;
  /**
   * The training forwards counted so far (PyTorch's num_batches_tracked), an integer >= 0.
   * With momentum null the next training forward weighs its batch 1 / (numBatchesTracked + 1).
   * Default 0.
   *
   * @example
   * ```ts
   * new BatchNormalization(gamma, beta, null, mean, variance, { numBatchesTracked: 100 });
   * ```
   */
  numBatchesTracked?: number;
  /**
   * Synchronized batch norm for data-parallel training: the caller's transport to the other
   * replicas (docs/SYNC.md). Each replica's layer takes its own rows; a training forward then
   * normalises with the statistics of every replica's rows together, and updates the running
   * statistics as one layer on the whole batch would; its backward takes every replica's sums
   * for dx, while dgamma and dbeta stay this replica's (the optimiser's all-reduce adds them, as
   * with PyTorch's SyncBatchNorm). Training runs through forwardAsync and backwardAsync (the
   * collective is asynchronous); inference needs no exchange. Default: none.
   *
   * @example
   * ```ts
   * { collective: messagePortCollective({ rank, ports }) } // worker_threads or Web Workers
   * ```
   */
  collective?: Collective | null;
  /**
   * How long a synchronized step waits for its collective, in milliseconds, before it fails
   * (and tells the collective to stop). Default 60,000; Infinity: no limit.
   *
   * @example
   * ```ts
   * { collective, syncTimeoutMs: 5_000 }
   * ```
   */
  syncTimeoutMs?: number;
}

/** The options as the layer keeps them. */
export interface LayerOptions {
  dtype: DType;
  eps: number;
  backend: BackendName | undefined;
  axis: Axis | undefined;
  activation: Activation | null;
  unbiased: boolean;
  track: boolean;
  count: number | undefined;
  sync: SyncSettings | undefined;
}

const DEFAULT_EPS = 1e-6;

/** The keys the constructor's options take. */
const OPTION_KEYS = ['dtype', 'eps', 'backend', 'axis', 'activation', 'runningVarUnbiased', 'trackRunningStats', 'numBatchesTracked', 'collective', 'syncTimeoutMs'] as const;

// Other frameworks' names for the same options (Keras' epsilon needs none: it starts with eps).
const ALIASES: Record<string, string> = { variance_epsilon: 'eps', unbiased: 'runningVarUnbiased' };

// The known key a mistyped one most likely meant: another framework's name, the same letters
// in another case, a known key of 3 letters or more that starts it or that it starts, or one a
// couple of edits away.
function closest(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  const alias = ALIASES[key] ?? ALIASES[lower];
  if (alias && known.includes(alias)) return alias;
  const byCase = known.find((k) => k.toLowerCase() === lower);
  if (byCase) return byCase;
  const byPrefix = known.find((k) => k.length >= 3 && (lower.startsWith(k.toLowerCase()) || k.toLowerCase().startsWith(lower)));
  if (byPrefix) return byPrefix;
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** A RangeError for the first key of an options object that is not one of `known`, else nothing. */
export function checkKeys(options: object, known: readonly string[], who: string, name = 'options'): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    throw new RangeError(`${who}: ${name} has no key ${JSON.stringify(key)}${hint ? `; did you mean ${hint}?` : ''} (${name} takes ${known.join(', ')})`);
  }
}

/**
 * An options object's keys that have a value, checked against the known keys: what a caller's
 * options put over defaults (an explicit undefined keeps the default).
 */
export function definedOptions<T extends object>(options: T, who: string, known: readonly string[] = OPTION_KEYS): Partial<T> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${who}: options must be an object; got ${describe(options)}`);
  }
  checkKeys(options, known, who);
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A momentum (the weight of the old value), or null: the cumulative average. */
export function checkMomentum(momentum: unknown, who: string): number | null {
  if (momentum === null) return null;
  if (typeof momentum !== 'number') throw new TypeError(`${who}: momentum must be a number in [0, 1] or null (the cumulative average); got ${describe(momentum)}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`${who}: momentum must be a finite number in [0, 1]; got ${momentum}`);
  return momentum;
}

/** A number that passes ok, else a TypeError (not a number) or a RangeError naming it, what it must be and what came. */
export function checkNumber(value: unknown, name: string, who: string, ok: (v: number) => boolean, expected: string): number {
  if (typeof value === 'number' && ok(value)) return value;
  throw new (typeof value === 'number' ? RangeError : TypeError)(`${who}: ${name} must be ${expected}; got ${describe(value)}`);
}

/** A count of training forwards: an integer >= 0. */
export const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;

/** An eps (added to the variance): a finite number > 0. */
export function checkEps(eps: unknown, who: string, name = 'options.eps'): number {
  if (typeof eps !== 'number') throw new TypeError(`${who}: ${name} must be a number > 0; got ${describe(eps)}`);
  if (!(Number.isFinite(eps) && eps > 0)) throw new RangeError(`${who}: ${name} must be a finite number > 0; got ${eps}`);
  return eps;
}

function checkAxis(axis: unknown, who: string): Axis | undefined {
  if (axis === undefined || axis === null) return undefined;
  if (axis === 1 || axis === -1 || axis === 2 || axis === 3) return axis;
  throw new RangeError(`${who}: options.axis must be 1 (channels first), -1 or the last axis index (channels last), or undefined (the book's per-feature statistics); got ${describe(axis)}`);
}

/** The activation an options value names (src/activation.ts), or a RangeError listing the names. */
function checkActivation(value: unknown, who: string): Activation | null {
  if (value === undefined || value === null) return null;
  const def = ACTIVATIONS.find((a) => a.name === value); // value is not null here
  if (def) return def.name as Activation;
  throw new RangeError(`${who}: options.activation must be ${ACTIVATION_NAMES} or null; got ${describe(value)}`);
}

/** The dtype option: 'float32' (the default) or 'float64'. */
export function checkDtype(dtype: unknown, who: string, name = 'options.dtype'): DType {
  if (dtype === undefined || dtype === 'float32') return 'float32';
  if (dtype === 'float64') return dtype;
  throw new RangeError(`${who}: ${name} must be 'float32' or 'float64'; got ${describe(dtype)}`);
}

function checkBackend(backend: unknown, who: string): BackendName | undefined {
  if (backend === undefined || backend === 'wasm' || backend === 'js') return backend;
  throw new RangeError(`${who}: options.backend must be 'wasm' or 'js'; got ${describe(backend)}`);
}

/** The constructor's options object, checked. */
export function layerOptions(options: unknown, who: string): LayerOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${who}: options must be an object; got ${describe(options)}`);
  }
  checkKeys(options, OPTION_KEYS, who);
  // Each option read once.
  const { dtype, eps, axis, activation, runningVarUnbiased, backend, trackRunningStats, numBatchesTracked, collective, syncTimeoutMs } = options as BatchNormalizationOptions;
  return {
    dtype: checkDtype(dtype, who),
    eps: eps === undefined ? DEFAULT_EPS : checkEps(eps, who),
    axis: checkAxis(axis, who),
    activation: checkActivation(activation, who),
    unbiased: runningVarUnbiased === undefined ? false : checkBoolean(runningVarUnbiased, 'options.runningVarUnbiased', who),
    backend: checkBackend(backend, who),
    track: trackRunningStats === undefined ? true : checkBoolean(trackRunningStats, 'options.trackRunningStats', who),
    count: numBatchesTracked === undefined ? undefined : checkNumber(numBatchesTracked, 'options.numBatchesTracked', who, isCount, 'an integer >= 0'),
    sync: readCollective(collective, syncTimeoutMs, who),
  };
}
