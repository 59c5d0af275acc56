// The messages between the page (main.ts) and its training Worker (worker.ts). A Worker
// trains once: the page starts a fresh one for every run and terminates it to stop.
import type { ExperimentResult } from '../experiment/result.js';

/** The page's backend choice: 'threads' is Wasm with init({ threads: 'auto' }). */
export type PageBackend = 'wasm' | 'js' | 'threads';

export interface StartMessage {
  type: 'start';
  backend: PageBackend;
  seed: number;
  epochs: number;
  scales: number;
  /** The images as built by `npm run build:web` (experiment/mnist-bytes.ts). */
  images: ArrayBuffer;
}

export type WorkerMessage =
  /** Loaded and about to train: the result with every curve still empty. */
  | { type: 'ready'; plan: ExperimentResult; threads: number }
  /** One epoch of one run done: its training accuracy, and the epoch's wall time. */
  | { type: 'epoch'; run: number; total: number; scaleIndex: number; useBatchNorm: boolean; epoch: number; acc: number; ms: number }
  | { type: 'done'; result: ExperimentResult }
  | { type: 'error'; message: string };
