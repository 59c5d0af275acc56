// One training run of the book's batch_norm_test.py: SGD on random minibatches of the
// training images, training accuracy recorded after every epoch.
import type { BackendName, DType } from '../src/index.js';
import { IMAGE_SIZE, type Dataset } from './mnist-bytes.js';
import { MultiLayerNet } from './net.js';
import { pow10 } from './pow10.js';
import { Rng, mixSeed } from './rng.js';

/** The book's settings, fixed so that results compare with its figure. */
export const HYPER = Object.freeze({ hiddenSizes: [100, 100, 100, 100, 100], outputSize: 10, learningRate: 0.01, batchSize: 100 });

/** numpy.logspace(start, stop, n): n values 10^e, e evenly spaced from start to stop. */
export function logspace(start: number, stop: number, n: number): number[] {
  // pow10, not 10 ** e: engines' ** differ in the last bit, and the page must match Node.
  if (n === 1) return [pow10(start)];
  return Array.from({ length: n }, (_, i) => pow10(start + ((stop - start) * i) / (n - 1)));
}

export type { Dataset };

export interface RunOptions {
  initStd: number;
  useBatchNorm: boolean;
  epochs: number;
  seed: number;
  /** Index of initStd in the grid: with the seed, picks the weights' and batches' streams. */
  scaleIndex: number;
  backend?: BackendName;
  /** The network's element type (default float32); the images go in as they are (float32 widens exactly). */
  dtype?: DType;
}

/** Iterations per epoch, as the book's max(train_size / batch_size, 1) (rounded). */
export function itersPerEpoch(n: number): number {
  return Math.max(1, Math.round(n / HYPER.batchSize));
}

/**
 * Trains a fresh network and returns the training accuracy after each epoch. With and
 * without BN get the same seed streams, so the same initial weights and the same minibatches
 * (the book trains both networks on each minibatch).
 */
export function trainRun(data: Dataset, opt: RunOptions, onEpoch?: (epoch: number, acc: number) => void): number[] {
  const weights = new Rng(mixSeed(opt.seed, opt.scaleIndex, 1));
  const batches = new Rng(mixSeed(opt.seed, opt.scaleIndex, 2));
  const net = new MultiLayerNet(
    { inputSize: IMAGE_SIZE, ...HYPER, weightInitStd: opt.initStd, useBatchNorm: opt.useBatchNorm, backend: opt.backend, dtype: opt.dtype },
    weights,
  );
  const B = HYPER.batchSize;
  const xb = opt.dtype === 'float64' ? new Float64Array(B * IMAGE_SIZE) : new Float32Array(B * IMAGE_SIZE);
  const tb = new Uint8Array(B);
  const acc: number[] = [];
  try {
    for (let epoch = 1; epoch <= opt.epochs; epoch++) {
      for (let it = itersPerEpoch(data.n); it > 0; it--) {
        // np.random.choice(train_size, batch_size): with replacement.
        for (let i = 0; i < B; i++) {
          const k = batches.int(data.n);
          xb.set(data.x.subarray(k * IMAGE_SIZE, (k + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
          tb[i] = data.t[k];
        }
        net.gradient(xb, tb, B);
        net.sgdStep(HYPER.learningRate);
      }
      acc.push(net.accuracy(data.x, data.t, data.n));
      onEpoch?.(epoch, acc[acc.length - 1]);
    }
  } finally {
    net.dispose();
  }
  return acc;
}
