// The experiment's grid: for each weight scale of logspace(0, -4, scales), one run with BN and
// one without. One loop for `npm start` (experiment.ts) and the page's Worker (web/): hooks
// report each run and epoch, so that each shows progress its own way. No Node imports.
import type { BackendName, DType } from '../src/index.js';
import { firstEpochAtLeast, type Curve, type ExperimentResult } from './result.js';
import { HYPER, itersPerEpoch, logspace, trainRun, type Dataset } from './train.js';

export interface GridConfig {
  seed: number;
  epochs: number;
  /** How many values of logspace(0, -4, scales) to try as weightInitStd. */
  scales: number;
  /** The networks' element type (default float32). */
  dtype?: DType;
}

/** One training run of the grid, as the hooks see it. */
export interface RunInfo {
  /** 0-based place among the grid's runs, in training order (per scale: with BN, then without). */
  index: number;
  total: number;
  scaleIndex: number;
  initStd: number;
  useBatchNorm: boolean;
}

export interface GridHooks {
  runStart?(run: RunInfo): void;
  epoch?(run: RunInfo, epoch: number, acc: number): void;
  runEnd?(run: RunInfo, curve: Curve): void;
}

/** The backend the BN layers use, already loaded by init(), as the result records it. */
export interface GridEngine {
  backend: BackendName;
  simd: boolean;
}

/**
 * The grid's result before training: the configuration and every scale, all curves empty.
 * runGrid fills it; the page draws it as the epochs come in.
 */
export function emptyResult(images: number, config: GridConfig, engine: GridEngine): ExperimentResult {
  const empty = () => ({ trainAcc: [], epochTo50: null });
  return {
    config: {
      seed: config.seed, epochs: config.epochs, scales: config.scales, images, itersPerEpoch: itersPerEpoch(images),
      hiddenSizes: [...HYPER.hiddenSizes], batchSize: HYPER.batchSize, learningRate: HYPER.learningRate, dtype: config.dtype ?? 'float32',
    },
    backend: engine.backend,
    simd: engine.simd,
    runs: logspace(0, -4, config.scales).map((initStd) => ({ initStd, withBN: empty(), withoutBN: empty() })),
  };
}

export function runGrid(data: Dataset, config: GridConfig, engine: GridEngine, hooks: GridHooks = {}): ExperimentResult {
  const result = emptyResult(data.n, config, engine);
  const total = 2 * result.runs.length;
  let index = 0;
  const curve = (initStd: number, scaleIndex: number, useBatchNorm: boolean): Curve => {
    const run: RunInfo = { index: index++, total, scaleIndex, initStd, useBatchNorm };
    hooks.runStart?.(run);
    const trainAcc = trainRun(
      data,
      { initStd, useBatchNorm, epochs: config.epochs, seed: config.seed, scaleIndex, backend: engine.backend, dtype: config.dtype },
      (e, acc) => hooks.epoch?.(run, e, acc),
    );
    const done = { trainAcc, epochTo50: firstEpochAtLeast(trainAcc) };
    hooks.runEnd?.(run, done);
    return done;
  };
  result.runs.forEach((r, i) => {
    r.withBN = curve(r.initStd, i, true);
    r.withoutBN = curve(r.initStd, i, false);
  });
  return result;
}
