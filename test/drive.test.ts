// src/drive.ts against the Operation contract (src/types.ts): every step an operation yields
// goes to the runner, whose answer (the shares the step ran in) goes back into the operation;
// the operation's return value is the result; a step that fails ends the operation early
// (its finally blocks run, so that it can let go of what it holds) and the failure reaches
// the caller. Blocking and awaiting alike.
import { describe, expect, it } from 'vitest';
import { runAsync, runSync } from '../src/drive.js';
import type { Step, StepRunner, Steps } from '../src/types.js';

function operation(log: string[], steps: number): Steps {
  return (function* () {
    try {
      for (let i = 0; i < steps; i++) {
        const shares = yield { op: `step${i}`, args: [i] };
        log.push(`step${i} ran in ${shares}`);
      }
      return new Float32Array([steps]);
    } finally {
      log.push('finally');
    }
  })();
}

function runner(log: string[], failAt = -1): StepRunner {
  const run = (step: Step) => {
    log.push(`run ${step.op}`);
    if (step.args[0] === failAt) throw new Error(`${step.op} failed`);
    return 3;
  };
  return { maxShares: 3, run, runAsync: async (step) => run(step) };
}

describe.each([['runSync', runSync], ['runAsync', runAsync]] as const)('%s', (_, drive) => {
  it('runs each step, answers it with the shares, and gives the result', async () => {
    const log: string[] = [];
    const result = await drive(operation(log, 2), runner(log));
    expect(Array.from(result)).toEqual([2]);
    expect(log).toEqual(['run step0', 'step0 ran in 3', 'run step1', 'step1 ran in 3', 'finally']);
  });

  it('an operation with no step gives its result at once', async () => {
    const log: string[] = [];
    expect(Array.from(await drive(operation(log, 0), runner(log)))).toEqual([0]);
    expect(log).toEqual(['finally']);
  });

  it('a step that fails ends the operation (its finally blocks run) and the failure reaches the caller', async () => {
    const log: string[] = [];
    let error: unknown = null;
    try {
      await drive(operation(log, 3), runner(log, 1));
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toBe('step1 failed');
    expect(log).toEqual(['run step0', 'step0 ran in 3', 'run step1', 'finally']);
  });

  it('an operation without return() is fine too', async () => {
    const op = { next: () => { throw new Error('no step'); } };
    await expect(async () => drive(op, runner([]))).rejects.toThrow('no step');
    const failing = { next: (shares?: number) => (shares === undefined ? { done: false as const, value: { op: 'a', args: [0] } } : { done: true as const, value: new Float32Array(1) }) };
    await expect(async () => drive(failing, runner([], 0))).rejects.toThrow('a failed');
  });
});

// A synchronized operation yields exchange steps between its row steps (types.ts: ExchangeStep).
function synchronized(log: string[]): Steps {
  return (function* () {
    try {
      const packed = new Float64Array([1, 2]);
      log.push(`step ran in ${yield { op: 'stats', args: [0] }}`);
      log.push(`exchange answered ${yield { op: 'exchange', packed }}, packed ${Array.from(packed)}`);
      return new Float32Array([7]);
    } finally {
      log.push('finally');
    }
  })();
}

describe('exchange steps', () => {
  it('runAsync hands each exchange step\'s packed array to the exchange, never to the runner, and answers with its count', async () => {
    const log: string[] = [];
    const exchange = async (packed: Float64Array) => {
      log.push(`exchange of ${Array.from(packed)}`);
      packed[0] = 10; // the exchange writes the replicas' results into the packed array
      return 32;
    };
    const result = await runAsync(synchronized(log), runner(log), exchange);
    expect(Array.from(result)).toEqual([7]);
    expect(log).toEqual(['run stats', 'step ran in 3', 'exchange of 1,2', 'exchange answered 32, packed 10,2', 'finally']);
  });

  it('runAsync without an exchange refuses an exchange step by name, and the operation ends', async () => {
    const log: string[] = [];
    await expect(runAsync(synchronized(log), runner(log))).rejects.toThrow(new Error('batchnorm-wasm: a synchronized step needs the layer\'s collective'));
    expect(log).toEqual(['run stats', 'step ran in 3', 'finally']);
  });

  it('runSync refuses an exchange step by name (a synchronized step cannot block), and the operation ends', () => {
    const log: string[] = [];
    expect(() => runSync(synchronized(log), runner(log))).toThrow(new Error('batchnorm-wasm: a synchronized step cannot run blocking'));
    expect(log).toEqual(['run stats', 'step ran in 3', 'finally']);
  });
});
