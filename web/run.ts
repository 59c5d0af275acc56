// One run as the page keeps it, in window.__bnExperiment.runs: plain data, which the
// browser test (test/browser/node/experiment-page.test.ts) reads through page.evaluate.
import type { ExperimentResult } from '../experiment/result.js';
import type { Settings } from './settings.js';

export type RunState = 'running' | 'done' | 'stopped' | 'error';

export interface Run {
  settings: Settings;
  state: RunState;
  /** The backend init() gave ('wasm' may fall back to 'js'), once the Worker reports it. */
  backend: string | null;
  threads: number;
  epochMs: number[];
  /** Curves so far; the Worker's final result once done. */
  result: ExperimentResult | null;
  /** performance.now() when Start was pressed and when the run ended. */
  startedAt: number;
  endedAt: number | null;
  error?: string;
}
