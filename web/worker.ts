// The page's training Worker: the same grid loop as `npm start` (experiment/grid.ts), with
// one message per epoch. Training blocks this thread, not the page's.
import { init, type InitInfo } from '../src/index.js';
import { emptyResult, runGrid } from '../experiment/grid.js';
import { decodeImages } from '../experiment/mnist-bytes.js';
import type { PageBackend, StartMessage, WorkerMessage } from './protocol.js';

const post = (message: WorkerMessage) => (self as unknown as { postMessage(m: WorkerMessage): void }).postMessage(message);

function load(backend: PageBackend): Promise<InitInfo> {
  if (backend === 'js') return init({ backend: 'js' });
  // 'auto': as many threads as the browser reports cores. Needs a cross-origin isolated
  // page; elsewhere init warns and runs on one thread (the page offers it only there).
  if (backend === 'threads') return init({ threads: 'auto' });
  return init();
}

self.onmessage = async (event: MessageEvent<StartMessage>) => {
  try {
    const { backend, seed, epochs, scales, images } = event.data;
    const info = await load(backend);
    const data = decodeImages(new Uint8Array(images));
    const config = { seed, epochs, scales };
    post({ type: 'ready', plan: emptyResult(data.n, config, info), threads: info.threads ?? 1 });
    let t0 = 0;
    const result = runGrid(data, config, info, {
      runStart: () => (t0 = performance.now()),
      epoch: (run, epoch, acc) => {
        const now = performance.now();
        post({ type: 'epoch', run: run.index, total: run.total, scaleIndex: run.scaleIndex, useBatchNorm: run.useBatchNorm, epoch, acc, ms: now - t0 });
        t0 = now;
      },
    });
    post({ type: 'done', result });
  } catch (error) {
    post({ type: 'error', message: String((error as Error)?.stack ?? error) });
  }
};
