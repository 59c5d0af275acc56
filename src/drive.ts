// Drives an operation's steps (types.ts: Operation): the one place that decides between
// blocking and awaiting. The layer picks runSync for forward/backward and runAsync for their
// Async forms; the runner decides how each step is split. A synchronized operation's exchange
// steps go to the exchange given to runAsync (the layer never drives one blocking).
import type { ExchangeStep, FloatArray, Operation, Step, StepRunner } from './types.js';

/** What answers an exchange step: the whole batch's count, once the packed arrays hold its results. */
export type Exchange = (packed: Float64Array) => Promise<number>;

const isExchange = (s: Step | ExchangeStep): s is ExchangeStep => s.op === 'exchange';

/** Runs every step blocking and returns the operation's result. */
export function runSync(op: Operation, runner: StepRunner): FloatArray {
  let r = op.next();
  try {
    while (!r.done) {
      const step = r.value;
      if (isExchange(step)) throw new Error('batchnorm-wasm: a synchronized step cannot run blocking');
      r = op.next(runner.run(step));
    }
  } catch (error) {
    op.return?.(undefined as never); // let the operation's finally blocks run
    throw error;
  }
  return r.value;
}

/** Runs every step awaiting, so that a thread that may not block can use the workers; exchanges with the replicas through exchange. */
export async function runAsync(op: Operation, runner: StepRunner, exchange?: Exchange): Promise<FloatArray> {
  let r = op.next();
  try {
    while (!r.done) {
      const step = r.value;
      if (!isExchange(step)) r = op.next(await runner.runAsync(step));
      else if (exchange) r = op.next(await exchange(step.packed));
      else throw new Error('batchnorm-wasm: a synchronized step needs the layer\'s collective');
    }
  } catch (error) {
    op.return?.(undefined as never);
    throw error;
  }
  return r.value;
}
