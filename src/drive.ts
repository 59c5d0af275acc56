// Drives an operation's steps (types.ts: Operation): the one place that decides between
// blocking and awaiting. The layer picks runSync for forward/backward and runAsync for their
// Async forms; the runner decides how each step is split.
import type { Operation, StepRunner } from './types.js';

/** Runs every step blocking and returns the operation's result. */
export function runSync(op: Operation, runner: StepRunner): Float32Array {
  let r = op.next();
  try {
    while (!r.done) r = op.next(runner.run(r.value));
  } catch (error) {
    op.return?.(undefined as never); // let the operation's finally blocks run
    throw error;
  }
  return r.value;
}

/** Runs every step awaiting, so that a thread that may not block can use the workers. */
export async function runAsync(op: Operation, runner: StepRunner): Promise<Float32Array> {
  let r = op.next();
  try {
    while (!r.done) r = op.next(await runner.runAsync(r.value));
  } catch (error) {
    op.return?.(undefined as never);
    throw error;
  }
  return r.value;
}
