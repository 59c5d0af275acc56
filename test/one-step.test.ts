// The engine's one-step operation (src/wasm/one-step.ts) against the iterator protocol of an
// Operation (types.ts): one step, then the result; again after each arm(). And the inline
// runner (src/wasm/inline-runner.ts): a step's arguments reach its kernel in order.
import { describe, expect, it } from 'vitest';
import { ALL_KERNELS, MAX_ROW_ARGS, ROW_KERNELS } from '../src/wasm/abi.js';
import { InlineRunner, runInline } from '../src/wasm/inline-runner.js';
import { OneStep } from '../src/wasm/one-step.js';

describe('OneStep', () => {
  it('has one argument slot per parameter, zeros until the engine writes them', () => {
    expect(new OneStep('normalize', 5).args).toEqual([0, 0, 0, 0, 0]);
  });

  it('yields its step once, then returns what finish gives; arm() starts it again', () => {
    const op = new OneStep('normalize', 2);
    op.args[1] = 7;
    const results = [new Float32Array([1]), new Float32Array([2])];
    let calls = 0;
    op.arm(() => results[calls++]);
    const first = op.next();
    expect(first).toEqual({ done: false, value: { op: 'normalize', args: [0, 7] } });
    expect(first.value).toMatchObject({ args: op.args }); // the engine's slots, not a copy
    expect(op.next()).toEqual({ done: true, value: results[0] });
    expect(calls).toBe(1);
    expect(op.arm(() => results[calls++])).toBe(op);
    expect(op.next().done).toBe(false);
    expect(op.next().value).toBe(results[1]);
  });
});

describe('the inline runner', () => {
  it('passes a step\'s arguments to its kernel in order, as one share', () => {
    let seen: number[] = [];
    const kernels = { normalize: (...args: number[]) => { seen = args; } } as never;
    const args = Array.from({ length: 14 }, (_, i) => 10 + i);
    runInline(kernels, { op: 'normalize', args });
    expect(seen).toEqual(args);
    expect(new InlineRunner(kernels).run({ op: 'normalize', args: [1, 2, 3] })).toBe(1);
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('spells out as many arguments as the row kernel with the most takes', () => {
    expect(MAX_ROW_ARGS).toBeLessThanOrEqual(14);
    expect(MAX_ROW_ARGS).toBe(Math.max(...ROW_KERNELS.map((k) => ALL_KERNELS[k].length)));
  });
});
