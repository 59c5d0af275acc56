// The types the layer, the backends and the thread runtime share. A leaf: it imports nothing,
// so that every other module can depend on it without forming a cycle.

/**
 * The two backends: 'wasm' (the SIMD kernels) and 'js' (the TypeScript fallback).
 *
 * @example
 * ```ts
 * const backend: BackendName = (await init()).backend;
 * ```
 */
export type BackendName = 'wasm' | 'js';

/**
 * The axis option: 1 channels first; -1, 2 or 3 channels last; undefined the book's per-feature statistics.
 *
 * @example
 * ```ts
 * const axis: Axis = 1; // [N, C, H, W], as PyTorch and ONNX
 * ```
 */
export type Axis = 1 | -1 | 2 | 3;

/**
 * The element type a layer computes in and keeps its arrays in: 'float32' (the default) or
 * 'float64' (the book's numpy precision: every step in float64, the Wasm kernels included).
 *
 * @example
 * ```ts
 * const dtype: DType = 'float64';
 * const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { dtype });
 * ```
 */
export type DType = 'float32' | 'float64';

/**
 * The typed array of a dtype: Float32Array for 'float32', Float64Array for 'float64'.
 *
 * @example
 * ```ts
 * const gamma: ArrayOf<'float64'> = new Float64Array([1, 1]);
 * ```
 */
export type ArrayOf<D extends DType> = D extends 'float64' ? Float64Array : Float32Array;

/**
 * The arrays of either dtype: what a layer of unknown dtype holds and returns.
 *
 * @example
 * ```ts
 * const first = (a: FloatArray): number => a[0];
 * ```
 */
export type FloatArray = Float32Array | Float64Array;

/** A row-major [N, C, S] view with statistics per C; count = N*C*S elements (see geometry.ts). */
export interface Geometry {
  readonly N: number;
  readonly C: number;
  readonly S: number;
  readonly count: number;
}

/** What a backend is given at every call, so that in-place edits of gamma and beta take effect, as with the book's numpy arrays. */
export interface LayerParams {
  readonly gamma: FloatArray;
  readonly beta: FloatArray;
  /** Updated in place by trainForward. */
  readonly runningMean: FloatArray;
  readonly runningVar: FloatArray;
  readonly momentum: number;
  readonly eps: number;
  /** The fused activation's code (src/activation.ts). */
  readonly activation: number;
  /** Feed the running variance with the unbiased batch variance (PyTorch). */
  readonly unbiased: boolean;
  /** Changes whenever gamma, beta or the running statistics may have: the key of cached inference scales. */
  readonly version: number;
}

/**
 * A tensor the layer returns: flat row-major data it owns, and its shape. The data is a
 * Float32Array, or a Float64Array from a float64 layer (`Tensor<Float64Array>`).
 *
 * @example
 * ```ts
 * const y: Tensor = bn.forward({ data: [1, 2, 3, 4], shape: [2, 2] });
 * console.log(y.shape, y.data[0]);
 * ```
 */
export interface Tensor<A extends FloatArray = Float32Array> {
  /**
   * The elements, row-major.
   *
   * @example
   * ```ts
   * const first = y.data[0];
   * ```
   */
  readonly data: A;
  /**
   * The dimensions, the input's (frozen).
   *
   * @example
   * ```ts
   * const [N, D] = y.shape;
   * ```
   */
  readonly shape: readonly number[];
}

/**
 * A tensor as the API takes it: flat row-major data and its shape.
 *
 * @example
 * ```ts
 * const x: TensorLike = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };
 * ```
 */
export interface TensorLike {
  /**
   * The elements, row-major: a Float32Array (used as it is by a float32 layer; widened by a
   * float64 one), a Float64Array (used as it is by a float64 layer; rounded to float32 by a
   * float32 one), or an array of numbers. Other typed arrays (integer, Float16Array,
   * BigInt64Array) are refused.
   *
   * @example new Float32Array([1, 2, 3, 4, 5, 6])
   */
  readonly data: ArrayLike<number>;
  /**
   * The dimensions, their product the data's length.
   *
   * @example [2, 3]
   */
  readonly shape: readonly number[];
}

/**
 * What forward and backward take (src/intake.ts reads it): { data, shape } (an ndarray view,
 * with its stride and offset, is one), or an onnxruntime Tensor, whose shape is `dims`.
 *
 * @example
 * ```ts
 * bn.forward({ data: [1, 2, 3, 4], shape: [2, 2] });
 * bn.forward(new Tensor('float32', new Float32Array(4), [2, 2])); // onnxruntime-common's Tensor
 * ```
 */
export type TensorInput = TensorLike | {
  /** The elements, row-major. */
  readonly data: ArrayLike<number>;
  /** The dimensions (an onnxruntime Tensor's name for the shape). */
  readonly dims: readonly number[];
  /** The element type: 'float32' or 'float64' where given. */
  readonly type?: string;
};

/** A tensor in Wasm memory, as the backends see one (src/wasm/tensor.ts). */
export interface ResidentTensor {
  /** Byte offset in its heap's memory; 0 once disposed. */
  readonly ptr: number;
  readonly disposed: boolean;
  livesIn(heap: object): boolean;
}

/** A caller's input, read once and checked (src/intake.ts). */
export interface Input {
  /** Contiguous row-major data of the layer's dtype: the caller's own array where it is one, else a copy. */
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly count: number;
  /** The Wasm tensor the data is in, when it was given one. */
  readonly tensor: ResidentTensor | null;
}

/** Where a result goes: the caller's out, read once and checked (src/intake.ts). */
export interface Target {
  readonly data: FloatArray;
  readonly tensor: ResidentTensor | null;
}

/** One step of an operation that runs over a block of rows: a row kernel of the Wasm module
 *  (src/wasm/abi.ts) with its arguments for the whole batch; a runner may split it by rows. */
export interface Step {
  readonly op: string;
  readonly args: readonly number[];
}

/**
 * A synchronized step's exchange with the other replicas (src/sync/collective.ts): the packed
 * partial results go out, the whole batch's come back in the same array, and the step is
 * answered with the whole batch's count. Only an awaiting driver given a collective runs one.
 */
export interface ExchangeStep {
  readonly op: 'exchange';
  readonly packed: Float64Array;
}

/**
 * An operation of a backend: an iterator (a generator, mostly) that yields its row steps, is
 * answered for each with the number of shares (row blocks) the step ran in, and returns the
 * result. The same operation runs blocking or awaiting: that is how the caller drives it
 * (src/drive.ts).
 */
export interface Operation {
  next(answer?: number): IteratorResult<Step | ExchangeStep, FloatArray>;
  /** Ends the operation early (a step failed), so that it can let go of what it holds. */
  return?(value: never): unknown;
}

/**
 * An operation written as a generator: each yield of a row step is answered with the shares it
 * ran in, each exchange with the whole batch's count.
 */
export type Steps = Generator<Step | ExchangeStep, FloatArray, number>;

/** Runs steps: inline as one share, or split over threads. */
export interface StepRunner {
  /** Most shares a step may run in: partial-result scratch is sized for it. */
  readonly maxShares: number;
  /** Runs the step to its end, blocking; returns how many shares it ran in. */
  run(step: Step): number;
  /** The same, awaiting instead of blocking. */
  runAsync(step: Step): Promise<number>;
}

/** What a layer asks of a backend: the three operations over an [N, C, S] view. */
export interface Engine {
  readonly backend: BackendName;
  readonly runner: StepRunner;
  /** The most elements an input may have for the memory still free (Infinity where no limit is known). */
  maxElements(): number;
  /**
   * Batch statistics, the normalised x (into out when given); keeps x for backward. Commits
   * last: the new running statistics reach p's arrays only once nothing of the call can throw
   * (Wasm: after y is delivered; JS: after the exchange, if any, when its writes cannot fail).
   * With sync, the statistics are the whole batch's, over every replica: the operation yields
   * an exchange between its passes, and the backward of this forward will too.
   */
  trainForward(x: Input, g: Geometry, p: LayerParams, out: Target | null, sync: boolean): Operation;
  /** x normalised with the running statistics (into out when given; out may be x). */
  inferForward(x: Input, g: Geometry, p: LayerParams, out: Target | null): Operation;
  /** dx for the last trainForward (whose geometry g is), into out when given; fills dgamma and dbeta. */
  backward(dy: Input, g: Geometry, p: LayerParams, out: Target | null, dgamma: FloatArray, dbeta: FloatArray): Operation;
  /** Releases what the engine holds; no call may follow. */
  dispose(): void;
}
