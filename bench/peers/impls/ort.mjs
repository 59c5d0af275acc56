// onnxruntime peers: onnxruntime-node (native CPU execution provider, default threads) and
// onnxruntime-web (its wasm backend, 1 thread, .wasm/.mjs loaded from node_modules by file
// path). Each runs the one-node BatchNormalization model of ../onnx-model.mjs; feeds are
// built once, outside the timing; each call is an awaited session.run.
import path from 'node:path';
import { createRequire } from 'node:module';
import { batchNormModel } from '../onnx-model.mjs';

const require = createRequire(import.meta.url);

async function loadRuntime(flavour) {
  if (flavour === 'node') {
    const ort = (await import('onnxruntime-node')).default;
    return { ort, impl: 'onnxruntime-node (cpu)', sessionOptions: { executionProviders: ['cpu'] } };
  }
  const ort = await import('onnxruntime-web');
  // Directory of ort-wasm-simd-threaded.{mjs,wasm}; nothing is fetched from the network.
  ort.env.wasm.wasmPaths = path.dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')) + path.sep;
  ort.env.wasm.numThreads = 1;
  return { ort, impl: 'onnxruntime-web (wasm, 1 thread)', sessionOptions: { executionProviders: ['wasm'] } };
}

export async function create(flavour /* 'node' | 'web' */) {
  const { ort, impl, sessionOptions } = await loadRuntime(flavour);
  async function prepare(workload, op, inp) {
    const training = op === 'training forward';
    const model = batchNormModel({ xShape: inp.shape, eps: inp.eps, momentum: inp.momentum, training });
    const session = await ort.InferenceSession.create(model, sessionOptions);
    const vec = (a) => new ort.Tensor('float32', a, [inp.C]);
    const feeds = {
      X: new ort.Tensor('float32', inp.x, inp.shape),
      scale: vec(inp.gamma),
      B: vec(inp.beta),
      input_mean: vec(inp.runningMean),
      input_var: vec(inp.runningVar),
    };
    let last = null;
    return {
      run: async () => {
        last = await session.run(feeds);
      },
      output: () => ({ y: last.Y.data, runningMean: last.running_mean?.data, runningVar: last.running_var?.data }),
      dispose: () => session.release(),
    };
  }
  return { impl, prepare };
}
