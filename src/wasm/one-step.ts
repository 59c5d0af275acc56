// An operation of one row step and then its result (types.ts: Operation), reused by its
// engine call after call: inference's. A generator, its step object and their iterator
// results cost a small call (an inference of [1, 256]) about a sixth of its time; a layer
// runs one call at a time, so one object an engine serves them all.
import type { FloatArray, Operation, Step } from '../types.js';

const NOTHING = new Float32Array(0);

export class OneStep implements Operation {
  /** The step's arguments: the engine writes them before each arm(). */
  readonly args: number[];
  private readonly yielded: IteratorYieldResult<Step>;
  private readonly returned: IteratorReturnResult<FloatArray> = { done: true, value: NOTHING };
  // Set by arm(), which the engine calls before each call's first next().
  private stepped!: boolean;
  private finish!: () => FloatArray; // the engine's, made once

  constructor(op: string, arity: number) {
    this.args = new Array<number>(arity).fill(0);
    this.yielded = { done: false, value: { op, args: this.args } };
  }

  /** Ready for a call whose result, once the step ran, finish gives. */
  arm(finish: () => FloatArray): this {
    this.stepped = false;
    this.finish = finish;
    return this;
  }

  next(): IteratorResult<Step, FloatArray> {
    if (!this.stepped) {
      this.stepped = true;
      return this.yielded;
    }
    this.returned.value = this.finish();
    return this.returned;
  }
}
