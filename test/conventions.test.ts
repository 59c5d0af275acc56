// ONNX BatchNormalization-15 and PyTorch conventions, with expected values written out from
// the operators' documented formulas; and the exact state() round trip.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type BatchNormState } from '../src/index.js';

beforeAll(async () => {
  await init();
});

const close = (actual: ArrayLike<number>, expected: number[], tol = 2e-6) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e), `element ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e))));
};

// The ONNX operator's example: x of shape (1, 2, 1, 3), scale, B, input_mean, input_var.
const x = [-1, 0, 1, 2, 3, 4];
const scale = [1, 1.5];
const B = [0, 1];
const inputMean = [0, 3];
const inputVar = [1, 1.5];
// The same tensor channels-last: (1, 1, 3, 2).
const nhwc = (v: number[]) => [v[0], v[3], v[1], v[4], v[2], v[5]];

describe.each(['wasm', 'js'] as const)('ONNX BatchNormalization-15 on %s', (backend) => {
  for (const eps of [1e-5, 1e-2]) {
    // Inference: Y = (X - input_mean) / sqrt(input_var + epsilon) * scale + B.
    const inferY = [
      (-1 - 0) / Math.sqrt(1 + eps), 0, 1 / Math.sqrt(1 + eps),
      (1.5 * (2 - 3)) / Math.sqrt(1.5 + eps) + 1, 1, (1.5 * (4 - 3)) / Math.sqrt(1.5 + eps) + 1,
    ];
    // training_mode = 1: current mean and population variance per channel: (0, 2/3) and (3, 2/3);
    // running = input * momentum + current * (1 - momentum), momentum 0.9.
    const v = 2 / 3;
    const trainY = [
      -1 / Math.sqrt(v + eps), 0, 1 / Math.sqrt(v + eps),
      (1.5 * -1) / Math.sqrt(v + eps) + 1, 1, 1.5 / Math.sqrt(v + eps) + 1,
    ];
    const runningMean = [0 * 0.9 + 0 * 0.1, 3 * 0.9 + 3 * 0.1];
    const runningVar = [1 * 0.9 + v * 0.1, 1.5 * 0.9 + v * 0.1];

    for (const [axis, layout, shape] of [[1, (a: number[]) => a, [1, 2, 1, 3]], [-1, nhwc, [1, 1, 3, 2]]] as const) {
      it(`inference mode, epsilon ${eps}, axis ${axis}`, () => {
        const bn = new BatchNormalization(scale, B, 0.9, inputMean, inputVar, { backend, axis, eps });
        close(bn.forward({ data: layout(x), shape: [...shape] }, false).data, layout(inferY));
        bn.dispose();
      });
      it(`training mode, epsilon ${eps}, axis ${axis}`, () => {
        const bn = new BatchNormalization(scale, B, 0.9, inputMean, inputVar, { backend, axis, eps });
        close(bn.forward({ data: layout(x), shape: [...shape] }, true).data, layout(trainY));
        close(bn.runningMean!, runningMean);
        close(bn.runningVar!, runningVar);
        bn.dispose();
      });
    }
  }
});

describe.each(['wasm', 'js'] as const)('PyTorch conventions on %s', (backend) => {
  const sd = { weight: [2, 0.5], bias: [0.1, -0.2], running_mean: [0, 1], running_var: [1, 2], momentum: 0.1, eps: 1e-5 };
  // x: N = 2, C = 2, H = 1, W = 2. Channel 0 holds 1, 2, 3, 4; channel 1 holds 10, 20, 30, 40.
  const xs = [1, 2, 10, 20, 3, 4, 30, 40];
  const shape = [2, 2, 1, 2];

  it('fromPyTorch maps momentum (weight of the new value) to ours and back exactly', () => {
    const bn = BatchNormalization.fromPyTorch(sd, { backend });
    expect(bn.momentum).toBe(0.9);
    expect(bn.eps).toBe(1e-5);
    expect(bn.axis).toBe(1);
    expect(bn.runningVarUnbiased).toBe(true);
    const back = bn.toPyTorch();
    expect(back.momentum).toBe(0.1);
    expect(back.eps).toBe(1e-5);
    expect(Array.from(back.weight)).toEqual([2, 0.5]);
    expect(Array.from(back.running_var!)).toEqual([1, 2]);
    expect(BatchNormalization.fromPyTorch({ ...sd, momentum: 0.01 }, { backend }).momentum).toBe(0.99);
    expect(BatchNormalization.fromPyTorch({ ...sd, momentum: 0.3 }, { backend }).toPyTorch().momentum).toBe(0.3);
  });

  it('training updates running_var with the unbiased variance and normalises with the biased one', () => {
    const bn = BatchNormalization.fromPyTorch(sd, { backend });
    const y = bn.forward({ data: xs, shape }).data;
    // mean 2.5 and 25; biased var 1.25 and 125; unbiased (n = 4) 5/3 and 500/3.
    const y0 = (v: number) => ((v - 2.5) / Math.sqrt(1.25 + 1e-5)) * 2 + 0.1;
    const y1 = (v: number) => ((v - 25) / Math.sqrt(125 + 1e-5)) * 0.5 - 0.2;
    close(y, [y0(1), y0(2), y1(10), y1(20), y0(3), y0(4), y1(30), y1(40)]);
    const pt = bn.toPyTorch();
    // running = (1 - momentum) * running + momentum * batch, momentum 0.1.
    close(pt.running_mean!, [0.9 * 0 + 0.1 * 2.5, 0.9 * 1 + 0.1 * 25]);
    close(pt.running_var!, [0.9 * 1 + 0.1 * (5 / 3), 0.9 * 2 + 0.1 * (500 / 3)]);
  });

  it('runningVarUnbiased: false keeps the book and ONNX biased update', () => {
    const bn = BatchNormalization.fromPyTorch(sd, { backend, runningVarUnbiased: false });
    bn.forward({ data: xs, shape });
    close(bn.runningVar!, [0.9 * 1 + 0.1 * 1.25, 0.9 * 2 + 0.1 * 125]);
  });

  it('eval mode uses the running statistics: (x - running_mean) / sqrt(running_var + eps) * weight + bias', () => {
    const bn = BatchNormalization.fromPyTorch(sd, { backend });
    close(bn.forward({ data: xs, shape }, false).data, [
      (1 / Math.sqrt(1 + 1e-5)) * 2 + 0.1, (2 / Math.sqrt(1 + 1e-5)) * 2 + 0.1,
      ((10 - 1) / Math.sqrt(2 + 1e-5)) * 0.5 - 0.2, ((20 - 1) / Math.sqrt(2 + 1e-5)) * 0.5 - 0.2,
      (3 / Math.sqrt(1 + 1e-5)) * 2 + 0.1, (4 / Math.sqrt(1 + 1e-5)) * 2 + 0.1,
      ((30 - 1) / Math.sqrt(2 + 1e-5)) * 0.5 - 0.2, ((40 - 1) / Math.sqrt(2 + 1e-5)) * 0.5 - 0.2,
    ]);
  });

  it('affine=False modules (no weight, bias) act as gamma 1, beta 0; bad momenta are refused', () => {
    const bn = BatchNormalization.fromPyTorch({ running_mean: [0, 0], running_var: [1, 1] }, { backend });
    expect(Array.from(bn.gamma)).toEqual([1, 1]);
    expect(Array.from(bn.beta)).toEqual([0, 0]);
    expect(bn.momentum).toBe(0.9);
    expect(bn.eps).toBe(1e-5);
    expect(() => BatchNormalization.fromPyTorch({ ...sd, momentum: 2 })).toThrow(RangeError);
    expect(() => BatchNormalization.fromPyTorch({ ...sd, momentum: '0.1' as never })).toThrow(/momentum must be a number in \[0, 1\] or null \(the cumulative average\); got the string "0.1"/);
    expect(() => BatchNormalization.fromPyTorch('weights' as never)).toThrow(TypeError);
  });
});

describe.each(['wasm', 'js'] as const)('state() and fromState() on %s', (backend) => {
  it('round-trip exactly through JSON, options included', () => {
    const bn = new BatchNormalization([1.1, 0.7, 2], [0.3, -0.1, 0], 0.8, null, null, { backend, axis: -1, activation: 'relu', runningVarUnbiased: true, eps: 3e-5 });
    const x = { data: Float32Array.from({ length: 4 * 5 * 3 }, (_, i) => Math.sin(i * 1.3) * 2), shape: [4, 5, 3] };
    bn.forward(x);
    bn.forward({ data: x.data.map((v) => v * 0.5 + 1), shape: x.shape });
    const json = JSON.stringify(bn.state());
    const restored = BatchNormalization.fromState(JSON.parse(json) as BatchNormState, { backend });
    expect(restored.state()).toEqual(bn.state());
    expect(JSON.stringify(restored.state())).toBe(json);
    expect(Array.from(restored.forward(x, false).data)).toEqual(Array.from(bn.forward(x, false).data));
    expect(Array.from(restored.forward(x, true).data)).toEqual(Array.from(bn.forward(x, true).data));
    expect(Array.from(restored.runningVar!)).toEqual(Array.from(bn.runningVar!));
  });

  it('a fresh layer has null running statistics in its state, and bad states are refused', () => {
    const s = new BatchNormalization([1], [0], 0.9, null, null, { backend }).state();
    expect(s.runningMean).toBeNull();
    expect(BatchNormalization.fromState(s, { backend }).runningMean).toBeNull();
    expect(() => BatchNormalization.fromState({ ...s, format: 'other' } as never)).toThrow(/state\.format must be "batchnorm-wasm\/state@3" \(or the older "batchnorm-wasm\/state@2" or "batchnorm-wasm\/state@1"\); got the string "other"/);
    expect(() => BatchNormalization.fromState({ ...s, momentum: 3 })).toThrow(RangeError);
    expect(() => BatchNormalization.fromState({ ...s, gamma: 'x' as never })).toThrow(TypeError);
  });
});
