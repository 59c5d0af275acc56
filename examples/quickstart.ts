// A short tour of the library: which backend loaded, one batch through training forward,
// backward and inference, and the Wasm backend timed against the JS fallback.
// Run: npm run example
import { BatchNormalization, init } from '../src/index.js';

const info = await init();
console.log(`backend: ${info.backend} (Wasm SIMD ${info.simd ? 'available' : 'unavailable'})`);

const N = 256;
const D = 1024;
const x = Float32Array.from({ length: N * D }, (_, i) => Math.sin(i * 0.7) * 3 + (i % D) * 0.01);
const dout = Float32Array.from({ length: N * D }, (_, i) => Math.cos(i * 0.3));
const gamma = new Float32Array(D).fill(1);
const beta = new Float32Array(D);

const bn = new BatchNormalization(gamma, beta);
const y = bn.forward({ data: x, shape: [N, D] });
const mean0 = y.data.filter((_, i) => i % D === 0).reduce((a, b) => a + b, 0) / N;
console.log(`training forward [${y.shape}]: feature 0 now has mean ${mean0.toExponential(2)}`);
const dx = bn.backward({ data: dout, shape: [N, D] });
console.log(`backward: dx [${dx.shape}], dgamma[0] = ${bn.dgamma![0].toFixed(4)}, dbeta[0] = ${bn.dbeta![0].toFixed(4)}`);
const yTest = bn.forward({ data: x.subarray(0, 8 * D), shape: [8, D] }, false);
console.log(`inference on [${yTest.shape}] with running mean[0] = ${bn.runningMean![0].toFixed(4)}`);
bn.dispose();

function timeIt(backend: 'wasm' | 'js'): number {
  const layer = new BatchNormalization(gamma, beta, 0.9, null, null, { backend });
  const t: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    layer.forward({ data: x, shape: [N, D] });
    layer.backward({ data: dout, shape: [N, D] });
    t.push(performance.now() - start);
  }
  layer.dispose();
  return t.sort((a, b) => a - b)[t.length >> 1];
}

if (info.backend === 'wasm') {
  const wasm = timeIt('wasm');
  const js = timeIt('js');
  console.log(`forward + backward on [${N}, ${D}], median of 30: wasm ${wasm.toFixed(2)} ms, js ${js.toFixed(2)} ms (${(js / wasm).toFixed(1)}x)`);
}
