// The backends' engines (src/js/js-engine.ts, src/wasm/wasm-engine.ts) driven directly, below
// the layer's own checks: the JS engine runs no row steps (a step handed to its runner is a
// bug, refused by name); each engine's backward differentiates only its last training forward
// and refuses when there is none (before the first, after dispose). Their results against the
// float64 reference are tested through the layer (fixtures, parity, gradient).
import { beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../src/drive.js';
import { currentRuntime, init } from '../src/init.js';
import { createMemory, instantiateKernelsSync } from '../src/wasm/instantiate.js';
import { createRuntime } from '../src/wasm/runtime.js';
import { WasmEngine } from '../src/wasm/wasm-engine.js';
import { JsEngine } from '../src/js/js-engine.js';
import type { Geometry, Input, LayerParams } from '../src/types.js';
import { refBackward, refForward } from './helpers/reference.js';
import { seeded } from './helpers/seeded.js';

const C = 3;
const params = (): LayerParams => ({
  gamma: new Float32Array([1, 2, 0.5]), beta: new Float32Array([0, 1, -1]), runningMean: new Float32Array(C), runningVar: new Float32Array(C).fill(1),
  momentum: 0.9, eps: 1e-5, activation: 0, unbiased: false, version: 1,
});
const geometry = (N: number): Geometry => ({ N, C, S: 1, count: N * C });
const input = (data: Float32Array): Input => ({ data, shape: [data.length / C, C], count: data.length, tensor: null });
const noNoStep = /^batchnorm-wasm: the JS backend runs no Wasm step; got stats$/;

describe('JsEngine', () => {
  it('runs no row step: its runner refuses one, sync or async, naming it', async () => {
    const engine = new JsEngine(C);
    expect(engine.runner.maxShares).toBe(1);
    expect(() => engine.runner.run({ op: 'stats', args: [] })).toThrow(noNoStep);
    expect(() => engine.runner.runAsync({ op: 'stats', args: [] })).toThrow(noNoStep);
    expect(engine.maxElements()).toBe(Infinity);
  });

  it('differentiates the last training batch (as the float64 reference), refuses another size, and nothing after dispose', () => {
    const engine = new JsEngine(C);
    const p = params();
    const x = seeded(4 * C, 3, 0.5, 2);
    const dy = seeded(4 * C, 4);
    // A smaller batch first: the larger one after it needs a larger saved copy.
    runSync(engine.trainForward(input(seeded(2 * C, 5)), geometry(2), p, null, false), engine.runner);
    const y = runSync(engine.trainForward(input(x), geometry(4), p, null, false), engine.runner);
    const state = { runningMean: new Float64Array(C), runningVar: new Float64Array(C).fill(1) };
    refForward(seeded(2 * C, 5), 2, C, p.gamma, p.beta, state, 0.9, true, p.eps);
    const refY = refForward(x, 4, C, p.gamma, p.beta, state, 0.9, true, p.eps);
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(refY[i], 5);
    for (let c = 0; c < C; c++) expect([p.runningMean[c], p.runningVar[c]]).toEqual([expect.closeTo(state.runningMean[c], 6), expect.closeTo(state.runningVar[c], 6)]);
    const dgamma = new Float32Array(C);
    const dbeta = new Float32Array(C);
    const dx = runSync(engine.backward(input(dy), geometry(4), p, null, dgamma, dbeta), engine.runner);
    const refDx = refBackward(dy, C, p.gamma, state);
    for (let i = 0; i < dx.length; i++) expect(dx[i]).toBeCloseTo(refDx.dx[i], 5);
    for (let c = 0; c < C; c++) expect([dgamma[c], dbeta[c]]).toEqual([expect.closeTo(refDx.dgamma[c], 5), expect.closeTo(refDx.dbeta[c], 5)]);
    expect(() => engine.backward(input(dy.subarray(0, 2 * C)), geometry(2), p, null, dgamma, dbeta).next()).toThrow(
      'BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first');
    engine.dispose();
    expect(() => engine.backward(input(dy), geometry(4), p, null, dgamma, dbeta).next()).toThrow(
      'BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first');
  });
});

describe('WasmEngine', () => {
  beforeAll(async () => {
    await init();
  });

  it('refuses a backward before any training forward, and after dispose', () => {
    const noForward = 'BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first';
    const p = params();
    const [dgamma, dbeta] = [new Float32Array(C), new Float32Array(C)];
    const engine = new WasmEngine(currentRuntime()!, C, 'float32');
    const dy = input(seeded(2 * C, 6));
    expect(() => engine.backward(dy, geometry(2), p, null, dgamma, dbeta)).toThrow(noForward);
    runSync(engine.trainForward(input(seeded(2 * C, 7)), geometry(2), p, null, false), engine.runner);
    expect(runSync(engine.backward(dy, geometry(2), p, null, dgamma, dbeta), engine.runner)).toHaveLength(2 * C);
    engine.dispose();
    expect(() => engine.backward(dy, geometry(2), p, null, dgamma, dbeta)).toThrow(noForward);
  });

  it('a backward whose out overlaps the input kept by reference, shifted by one element, gives the plain dx', () => {
    // A runtime of its own: its heap hands out blocks in order, so the bytes after x are known.
    const memory = createMemory();
    const rt = createRuntime(memory, instantiateKernelsSync(undefined, memory).kernels);
    const p = params();
    const engine = new WasmEngine(rt, C, 'float32');
    const ptr = rt.heap.alloc(4 * C * 4 + 16); // x (4 rows) and room for out one element past it
    const f32 = () => new Float32Array(memory.buffer);
    const x = seeded(4 * C, 8, 0.5, 2);
    const dy = seeded(4 * C, 9);
    f32().set(x, ptr >>> 2);
    const tensor = { ptr, disposed: false, livesIn: (heap: object) => heap === rt.heap };
    runSync(engine.trainForward({ data: f32().subarray(ptr >>> 2, (ptr >>> 2) + 4 * C), shape: [4, C], count: 4 * C, tensor }, geometry(4), p, null, false), engine.runner);
    const out = f32().subarray((ptr >>> 2) + 1, (ptr >>> 2) + 1 + 4 * C);
    const [dgamma, dbeta] = [new Float32Array(C), new Float32Array(C)];
    const dx = Array.from(runSync(engine.backward(input(dy), geometry(4), p, { data: out, tensor: null }, dgamma, dbeta), engine.runner));
    const js = new JsEngine(C);
    const q = params();
    runSync(js.trainForward(input(x), geometry(4), q, null, false), js.runner);
    const expected = runSync(js.backward(input(dy), geometry(4), q, null, new Float32Array(C), new Float32Array(C)), js.runner);
    for (let i = 0; i < dx.length; i++) expect(dx[i]).toBeCloseTo(expected[i], 5);
    engine.dispose();
  });
});
