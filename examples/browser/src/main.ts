// Uses the package by its name with no bundler configuration: the Wasm ships inside it.
import { init, BatchNormalization } from 'batchnorm-wasm';

const N = 8;
const D = 13; // not a multiple of 4, so the SIMD kernels' scalar tails run too

/** Repeatable inputs: a few exact float32 values per element. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.fround(Math.sin(i * 0.7 + seed) * 2 + (i % 5) * 0.25);
  return out;
}

async function main(): Promise<void> {
  const info = await init();
  const gamma = values(D, 1);
  const beta = values(D, 2);
  const x = values(N * D, 3);
  const dout = values(N * D, 4);
  const layer = new BatchNormalization(gamma, beta);
  const train = layer.forward({ data: x, shape: [N, D] }, true);
  const dx = layer.backward({ data: dout, shape: [N, D] });
  const infer = layer.forward({ data: x, shape: [N, D] }, false);
  const result = {
    info, N, D,
    inputs: { gamma: [...gamma], beta: [...beta], x: [...x], dout: [...dout] },
    outputs: {
      train: [...train.data], dx: [...dx.data], infer: [...infer.data],
      dgamma: [...layer.dgamma!], dbeta: [...layer.dbeta!],
    },
  };
  layer.dispose();
  document.getElementById('summary')!.textContent =
    `backend ${info.backend}, SIMD ${info.simd}: forward, backward and inference on [${N}, ${D}] done.`;
  document.getElementById('result')!.textContent = JSON.stringify(result);
  document.body.dataset.state = 'done';
}

main().catch((error: unknown) => {
  document.getElementById('summary')!.textContent = `Failed: ${String(error)}`;
  document.body.dataset.state = 'error';
});
