// TensorFlow.js peer: tf.batchNorm, with tf.moments for the training forward, on the
// 'wasm' backend (tfjs-backend-wasm, .wasm files loaded from node_modules by file path)
// or the 'cpu' backend (plain JS). Input tensors are uploaded once, outside the timing,
// and results are not read back inside it (a tfjs tensor stays in its backend), which
// favours tfjs over ours, whose forward returns a JS-owned Float32Array.
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
let wasmPathSet = false;

export async function create(backend /* 'wasm' | 'cpu' */) {
  if (backend === 'wasm' && !wasmPathSet) {
    // A directory prefix: tfjs appends tfjs-backend-wasm[-simd|-threaded-simd].wasm.
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dir + path.sep);
    wasmPathSet = true;
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} failed to initialise`);
  let impl = `tfjs-${backend}`;
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    impl += ` (${simd ? 'simd' : 'no simd'}${threads ? ', threads' : ', 1 thread'})`;
  }
  return { impl, prepare: (workload, op, inp) => prepare(backend, workload, op, inp) };
}

async function prepare(backend, workload, op, inp) {
  await tf.setBackend(backend); // both tfjs backends share one tf instance: select this one per case
  const { shape, C, eps, momentum } = inp;
  const nchw = inp.layout === 'nchw';
  // tfjs's batchNorm kernels broadcast mean/variance/offset/scale over the LAST axis (flat index
  // modulo their size). [N, D] fits as is. For NCHW the per-channel vectors are expanded to
  // [1, C, H, W] (once for gamma/beta/running stats; per call for the batch statistics).
  const statShape = nchw ? [1, C, 1, 1] : [C];
  const fullStat = nchw ? [1, ...shape.slice(1)] : [C];
  const expand = (t) => (nchw ? tf.broadcastTo(tf.reshape(t, statShape), fullStat) : t);
  const keep = [];
  const own = (t) => (keep.push(t), t);
  const x = own(tf.tensor(inp.x, shape));
  const gamma = own(expand(own(tf.tensor1d(inp.gamma))));
  const beta = own(expand(own(tf.tensor1d(inp.beta))));
  const runningMean = own(tf.tensor1d(inp.runningMean));
  const runningVar = own(tf.tensor1d(inp.runningVar));
  const rmFull = own(expand(runningMean));
  const rvFull = own(expand(runningVar));
  const reduceAxes = nchw ? [0, 2, 3] : [0];

  let last = null; // { y, runningMean?, runningVar? } tensors of the latest call
  const drop = () => last && Object.values(last).forEach((t) => t.dispose());

  const run = op === 'inference'
    ? () => {
        drop();
        last = { y: tf.batchNorm(x, rmFull, rvFull, beta, gamma, eps) };
      }
    : () => {
        drop();
        last = tf.tidy(() => {
          const { mean, variance } = tf.moments(x, reduceAxes, nchw);
          const y = tf.batchNorm(x, expand(mean), expand(variance), beta, gamma, eps);
          // Running-statistics update, as ours and onnxruntime do in the training forward.
          // (Functional ops: tfjs-core alone does not register the chained t.mul() style.)
          const update = (run, batch) => tf.add(tf.mul(run, momentum), tf.mul(tf.reshape(batch, [C]), 1 - momentum));
          return { y, runningMean: update(runningMean, mean), runningVar: update(runningVar, variance) };
        });
      };

  return {
    run,
    output: () => ({
      y: last.y.dataSync(),
      runningMean: last.runningMean?.dataSync(),
      runningVar: last.runningVar?.dataSync(),
    }),
    dispose: () => {
      drop();
      keep.forEach((t) => t.dispose());
    },
  };
}
