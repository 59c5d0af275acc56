// The core bench's workloads and the implementations timed on each: closures that run one
// call, prepared so that backward has a training forward to differentiate.
import { allocTensor, BatchNormalization } from '../dist/index.js';
import { NaiveBatchNorm } from './naive.mjs';

export const WORKLOADS = [
  { name: '[64, 1024]', shape: [64, 1024] },
  { name: '[1024, 4096]', shape: [1024, 4096] },
  { name: '[32, 64, 56, 56] book', shape: [32, 64, 56, 56] },
  { name: '[32, 64, 56, 56] NCHW', shape: [32, 64, 56, 56], axis: 1 },
  { name: '[32, 56, 56, 64] NHWC', shape: [32, 56, 56, 64], axis: -1 },
  { name: '[8192, 256]', shape: [8192, 256] },
  // float64 layers (dtype: 'float64'): twice the bytes of the same shape, against the copy loop
  // and memcpy of those bytes.
  { name: '[1024, 4096] f64', shape: [1024, 4096], dtype: 'float64' },
  { name: '[32, 64, 56, 56] NCHW f64', shape: [32, 64, 56, 56], axis: 1, dtype: 'float64' },
  // loop: also time the plain JS loop a caller would write instead (workloads.mjs: 'js loop').
  { name: '[1, 256] small call', shape: [1, 256], ops: ['infer'], loop: true },
];

export const OPS = ['train', 'infer', 'backward'];

export function random(n, seed, Floats = Float32Array) {
  let s = seed >>> 0 || 1;
  const out = new Floats(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 4 - 1;
  }
  return out;
}

/** Bytes of one element of a workload's dtype. */
export const elementBytes = (w) => (w.dtype === 'float64' ? 8 : 4);

/** A workload's elements (count) and channels (C: per axis, or the book's features per sample). */
export function sizesOf({ shape, axis }) {
  const count = shape.reduce((a, b) => a * b, 1);
  return { count, C: axis === 1 ? shape[1] : axis === -1 ? shape[shape.length - 1] : count / shape[0] };
}

/** { count, impls: { name: { train, infer, backward } }, dispose } for one workload. */
export function prepare({ shape, axis, loop: withLoop, dtype = 'float32' }) {
  const { count, C } = sizesOf({ shape, axis });
  const Floats = dtype === 'float64' ? Float64Array : Float32Array;
  const x = { data: random(count, 1, Floats), shape };
  const dy = { data: random(count, 2, Floats), shape };
  const gamma = random(C, 3, Floats).map((v) => v + 2);
  const beta = random(C, 4, Floats);
  const layers = [];
  const tensors = [];
  const layer = (backend) => {
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, axis, dtype });
    bn.forward(x);
    layers.push(bn);
    return bn;
  };
  const impls = {};
  // Float32Array in, a new Float32Array out: the book-style API.
  for (const backend of ['wasm', 'js']) {
    const bn = layer(backend);
    impls[backend] = { train: () => bn.forward(x, true), infer: () => bn.forward(x, false), backward: () => bn.backward(dy) };
  }
  // Typed arrays in, into a caller's array out: one copy each way, no allocation.
  {
    const bn = layer('wasm');
    const out = { data: new Floats(count), shape };
    impls[dtype === 'float64' ? 'wasm f64 in/out' : 'wasm f32 in/out'] = { train: () => bn.forward(x, true, out), infer: () => bn.forward(x, false, out), backward: () => bn.backward(dy, out) };
  }
  // Wasm tensors in and out: nothing copied.
  const resident = (values) => {
    const t = allocTensor(shape, dtype);
    t.data.set(values);
    tensors.push(t);
    return t;
  };
  const [xt, dyt, yt, dxt] = [resident(x.data), resident(dy.data), resident(x.data), resident(dy.data)];
  const bn = layer('wasm');
  bn.forward(xt, true, yt);
  impls['wasm resident'] = { train: () => bn.forward(xt, true, yt), infer: () => bn.forward(xt, false, yt), backward: () => bn.backward(dyt, dxt) };
  if (axis === undefined && dtype === 'float32') {
    const N = shape[0];
    const D = count / N;
    const naive = new NaiveBatchNorm(gamma, beta);
    naive.forward(x.data, N, D, true);
    impls.naive = { train: () => naive.forward(x.data, N, D, true), infer: () => naive.forward(x.data, N, D, false), backward: () => naive.backward(dy.data, N, D) };
  }
  const target = new Floats(count);
  const copy = () => target.set(x.data);
  impls.memcpy = { train: copy, infer: copy, backward: copy };
  if (withLoop) {
    // What a caller would write by hand instead of a small call: y = x * a + b, folded
    // coefficients, into an array of its own.
    const a = gamma.map((g) => g / Math.sqrt(1 + 1e-7)), b = beta.slice();
    const xd = x.data;
    const loop = () => {
      for (let i = 0; i < count; i++) target[i] = xd[i] * a[i] + b[i];
    };
    impls['js loop'] = { train: loop, infer: loop, backward: loop };
  }
  return {
    count,
    impls,
    dispose() {
      layers.forEach((l) => l.dispose());
      tensors.forEach((t) => t.dispose());
    },
  };
}
