// The shape of out/bn-experiment.json, shared by the runner, the table and the plot.

export interface Curve {
  /** Training accuracy after each epoch (on all the training images, inference-mode BN). */
  trainAcc: number[];
  /** First epoch (1-based) with trainAcc >= 0.5, or null. */
  epochTo50: number | null;
}

export interface ScaleRun {
  initStd: number;
  withBN: Curve;
  withoutBN: Curve;
}

export interface ExperimentResult {
  config: {
    seed: number;
    epochs: number;
    scales: number;
    images: number;
    itersPerEpoch: number;
    hiddenSizes: number[];
    batchSize: number;
    learningRate: number;
    /** The networks' element type; absent in results from before it could be chosen (float32). */
    dtype?: 'float32' | 'float64';
  };
  backend: 'wasm' | 'js';
  simd: boolean;
  runs: ScaleRun[];
}

/** First epoch (1-based) whose accuracy is >= threshold, or null. */
export function firstEpochAtLeast(acc: readonly number[], threshold = 0.5): number | null {
  const i = acc.findIndex((a) => a >= threshold);
  return i < 0 ? null : i + 1;
}

/** initStd as the table and the plot show it: 3 significant digits. */
export function formatStd(v: number): string {
  return v >= 0.01 ? v.toPrecision(3) : v.toExponential(2);
}
