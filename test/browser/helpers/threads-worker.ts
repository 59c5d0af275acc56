// A dedicated Worker that uses the library with threads and blocking calls, as the README
// says a Worker may: init({ threads: 2 }), then synchronous forward and backward, which
// must split over the worker's own workers (not run alone, not hang). It answers with what
// it measured; test/browser/worker-threads.test.ts checks it.
import { currentRuntime } from '../../../src/init.js';
import { BatchNormalization, init, shutdown } from '../../../src/index.js';
import type { ThreadedRunner } from '../../../src/threads/threaded-runner.js';
import { scaledDistance } from '../../helpers/compare.js';
import { seeded } from '../../helpers/seeded.js';

self.onmessage = async () => {
  try {
    const info = await init({ threads: 2 });
    const pool = (currentRuntime()!.threads as ThreadedRunner).pool;
    let splits = 0;
    const run = pool.run.bind(pool);
    pool.run = (jobs) => {
      splits++;
      run(jobs);
    };
    const [N, D] = [512, 1024];
    const shape = [N, D];
    const x = { data: seeded(N * D, 1, 2, 3), shape };
    const dy = { data: seeded(N * D, 2), shape };
    const threaded = new BatchNormalization(seeded(D, 3, 1), seeded(D, 4));
    const js = new BatchNormalization(seeded(D, 3, 1), seeded(D, 4), 0.9, null, null, { backend: 'js' });
    const y = scaledDistance(threaded.forward(x).data, js.forward(x).data);
    const dx = scaledDistance(threaded.backward(dy).data, js.backward(dy).data);
    threaded.dispose();
    js.dispose();
    shutdown();
    self.postMessage({ info, canBlock: pool.canBlock, crossOriginIsolated, splits, y, dx });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
