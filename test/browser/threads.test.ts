// init({ threads }) in each browser. Run twice (vitest.browser.config.ts): in the
// "isolated" projects, served with COOP/COEP, workers start and forwardAsync /
// backwardAsync split the rows over them, matching one thread; in the plain "page"
// project the page is not cross-origin isolated, so init() warns once and stays on one.
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { currentRuntime } from '../../src/init.js';
import type { ThreadedRunner } from '../../src/threads/threaded-runner.js';
import { allocTensor, BatchNormalization, init, shutdown } from '../../src/index.js';
import { scaledDistance } from '../helpers/compare.js';
import { seeded } from '../helpers/seeded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    isolatedPage: boolean; // set per project in vitest.browser.config.ts
  }
}

const WARNING = /threads need Node or a cross-origin isolated page/;
const [N, D] = [512, 1024]; // 512K elements: split over 2 threads by the library's threshold

if (inject('isolatedPage')) {
  describe('in a cross-origin isolated page', () => {
    afterAll(() => shutdown());

    it('is cross-origin isolated, and init({ threads: 2 }) starts two threads', async () => {
      expect(crossOriginIsolated).toBe(true);
      expect(await init({ threads: 2 })).toEqual({ backend: 'wasm', simd: true, threads: 2 });
    });

    it('forwardAsync and backwardAsync split over the threads and match one thread', async () => {
      await init({ threads: 2 }); // the runtime of the test above (one shared promise)
      const shape = [N, D];
      const x = { data: seeded(N * D, 1, 2, 3), shape };
      const dy = { data: seeded(N * D, 2), shape };
      const make = (backend?: 'js') => new BatchNormalization(seeded(D, 3, 1), seeded(D, 4), 0.9, null, null, { backend });
      const [threaded, single, js] = [make(), make(), make('js')];
      const pool = (currentRuntime()!.threads as ThreadedRunner).pool;
      // A page's main thread may not block: the sync calls of `single` run on it alone.
      expect(pool.canBlock).toBe(false);
      const runAsync = vi.spyOn(pool, 'runAsync');
      const run = vi.spyOn(pool, 'run');
      // The threaded side writes into resident tensors (the zero-copy path).
      const [xt, dyt, yt, dxt] = [x, dy, x, dy].map((t) => {
        const r = allocTensor(shape);
        r.data.set(t.data);
        return r;
      });
      const checks: Array<[string, Float32Array, Float32Array, Float32Array]> = [];
      const add = (name: string, a: Float32Array, b: Float32Array, c: Float32Array) => checks.push([name, a.slice(), b.slice(), c.slice()]);
      add('training forward', (await threaded.forwardAsync(xt, true, yt)).data, single.forward(x, true).data, js.forward(x, true).data);
      add('running variance', threaded.runningVar!, single.runningVar!, js.runningVar!);
      add('backward dx', (await threaded.backwardAsync(dyt, dxt)).data, single.backward(dy).data, js.backward(dy).data);
      add('dgamma', threaded.dgamma!, single.dgamma!, js.dgamma!);
      add('dbeta', threaded.dbeta!, single.dbeta!, js.dbeta!);
      add('inference', (await threaded.forwardAsync(xt, false, yt)).data, single.forward(x, false).data, js.forward(x, false).data);
      // Threaded: 2 steps (statistics, normalize) + 2 (reduce, apply) + 1 (normalize).
      expect(runAsync).toHaveBeenCalledTimes(5);
      for (const call of runAsync.mock.calls) expect(call[0].filter(Boolean)).toHaveLength(2);
      expect(run).not.toHaveBeenCalled();
      vi.restoreAllMocks();
      for (const [name, got, one, ref] of checks) {
        expect(scaledDistance(got, one), `${name} vs one thread`).toBeLessThanOrEqual(1e-6);
        expect(scaledDistance(got, ref), `${name} vs the JS backend`).toBeLessThanOrEqual(1e-5);
      }
      for (const t of [threaded, single, js, xt, dyt, yt, dxt]) t.dispose();
    });
  });
} else {
  describe('in a page that is not cross-origin isolated', () => {
    it('init({ threads: 2 }) warns once and runs on one thread', async () => {
      expect(crossOriginIsolated).toBe(false);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      expect(await init({ threads: 2 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
      expect(await init({ threads: 'auto' })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(WARNING);
      warn.mockRestore();
      expect(currentRuntime()!.threads).toBeFalsy();
      // forwardAsync still works, on this thread.
      const bn = new BatchNormalization(seeded(D, 3, 1), seeded(D, 4));
      const x = { data: seeded(N * D, 1, 2, 3), shape: [N, D] };
      const y = await bn.forwardAsync(x, true);
      const js = new BatchNormalization(seeded(D, 3, 1), seeded(D, 4), 0.9, null, null, { backend: 'js' });
      expect(scaledDistance(y.data, js.forward(x, true).data)).toBeLessThanOrEqual(1e-5);
      bn.dispose();
      js.dispose();
    });
  });
}
