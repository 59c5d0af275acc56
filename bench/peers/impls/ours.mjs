// Ours: the library's BatchNormalization from dist/ (run `npm run build` at the root first).
// Book workloads use the book's [N, D] layer; NCHW workloads use options.axis = 1.
// How tensors are fed to forward() is decided in ONE place, makeIO() below.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));

let libPromise = null;
async function loadLib() {
  if (!existsSync(DIST)) throw new Error(`${DIST} not found: run \`npm run build\` at the repository root`);
  libPromise ??= import(pathToFileURL(DIST).href).then(async (lib) => ({ lib, info: await lib.init() }));
  return libPromise;
}

// THE one place that decides how input goes in and output comes out: resident Wasm tensors
// (lib.allocTensor + forward(x, train, out)), written once outside the timing and reused;
// BENCH_OURS_COPY=1 measures the plain API instead ({ data, shape } in, a new array out).
function makeIO(lib, bn, inp, training) {
  if (typeof lib.allocTensor === 'function' && process.env.BENCH_OURS_COPY !== '1') {
    const x = lib.allocTensor(inp.shape);
    x.data.set(inp.x);
    const out = lib.allocTensor(inp.shape);
    return {
      mode: 'zero-copy',
      forward: () => bn.forward(x, training, out),
      dispose: () => (x.dispose(), out.dispose()),
    };
  }
  const x = { data: inp.x, shape: inp.shape };
  return { mode: 'copy', forward: () => bn.forward(x, training), dispose: () => {} };
}

export async function create(backend /* 'wasm' | 'js' */) {
  const { lib, info } = await loadLib();
  if (backend === 'wasm' && info.backend !== 'wasm') throw new Error(`init() chose backend ${info.backend}, not wasm`);
  const impl = backend === 'wasm' ? `ours (wasm${info.simd ? ' simd' : ''})` : 'ours (js)';

  async function prepare(workload, op, inp) {
    const training = op === 'training forward';
    const options = { eps: inp.eps, backend, ...(inp.layout === 'nchw' ? { axis: 1 } : {}) };
    let bn, io, last;
    try {
      bn = new lib.BatchNormalization(inp.gamma, inp.beta, inp.momentum, inp.runningMean, inp.runningVar, options);
      io = makeIO(lib, bn, inp, training);
      last = io.forward();
    } catch (err) {
      bn?.dispose?.();
      throw err;
    }
    // That first call is the one checked: snapshot its outputs before timing mutates them.
    const first = {
      y: last.data.slice(),
      runningMean: training ? bn.runningMean.slice() : undefined,
      runningVar: training ? bn.runningVar.slice() : undefined,
    };
    return {
      mode: io.mode,
      run: () => void io.forward(),
      output: () => first,
      dispose: () => (io.dispose(), bn.dispose?.()),
    };
  }
  return { impl, prepare };
}
