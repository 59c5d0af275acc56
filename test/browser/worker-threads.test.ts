// Blocking calls with threads inside a dedicated Worker of a cross-origin isolated page
// (the "isolated" projects): a Worker may block, so forward and backward split over
// its own workers synchronously. Before the workers started with init, the first blocking
// call waited on workers that could not start while it blocked, and hung for 60 s.
import { expect, it } from 'vitest';

interface Answer {
  info?: { backend: string; threads: number };
  canBlock?: boolean;
  crossOriginIsolated?: boolean;
  splits?: number;
  y?: number;
  dx?: number;
  error?: string;
}

it('a Worker runs init({ threads: 2 }) and then synchronous forward and backward on two threads', async () => {
  const worker = new Worker(new URL('./helpers/threads-worker.ts', import.meta.url), { type: 'module' });
  const answer = await new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Worker did not answer within 20 s (a hang)')), 20_000);
    worker.onmessage = (e) => {
      clearTimeout(timer);
      resolve(e.data as Answer);
    };
    worker.onerror = (e) => reject(new Error(`the Worker failed: ${e.message}`));
    worker.postMessage('go');
  });
  worker.terminate();
  expect(answer.error).toBeUndefined();
  expect(answer.crossOriginIsolated).toBe(true);
  expect(answer.info).toEqual({ backend: 'wasm', simd: true, threads: 2 });
  expect(answer.canBlock).toBe(true);
  expect(answer.splits).toBe(4); // forward: statistics, normalize; backward: reduce, apply
  expect(answer.y).toBeLessThanOrEqual(1e-5);
  expect(answer.dx).toBeLessThanOrEqual(1e-5);
}, 30_000);
