// The shared control block between the main thread and the workers, in Wasm memory.
// Int32 slots (index into an Int32Array at the block's start):
import { MAX_ROW_ARGS, ROW_KERNELS, type RowKernel } from '../wasm/abi.js';

export const GEN = 0; // job generation: workers sleep on it, the main thread bumps it
export const PENDING = 1; // workers still busy with the current generation
export const ERROR = 2; // 1 + index of the first worker that failed, or 0
export const RUN = 3; // which start of the workers is current: shutdown() bumps it, and a worker of an earlier run leaves
export const MSG_LEN = 4; // length of the error message
export const READY = 5; // runCount(run, n): n workers of that run have started (instantiated, or failed to) and wait for jobs
export const EXITED = 6; // runCount(run, n): n workers of that run have left their loop (after shutdown)
export const MSG_OFFSET = 32; // bytes: the error message, UTF-16, MSG_CHARS at most
export const MSG_CHARS = 256;
export const ARGS_OFFSET = 576; // bytes: per worker, ARGS_SLOTS f64: [op, argc, ...args]
/** A job's f64 slots: its op code and argument count, then the most arguments a row kernel takes (abi.ts). */
export const ARGS_SLOTS = 2 + MAX_ROW_ARGS;
export const blockBytes = (workers: number) => ARGS_OFFSET + workers * ARGS_SLOTS * 8;

// READY and EXITED hold their run with their count, so that a worker of an earlier run that
// reports late (a terminated worker is not stopped at once) cannot count itself into the current one.
export const COUNT_BITS = 10; // up to 1023 workers (init allows 1024 threads, 'auto' included)
/** The READY or EXITED word for `count` workers of `run` (runs wrap after 2^20 starts). */
export const runCount = (run: number, count: number) => ((run & 0xfffff) << COUNT_BITS) | count;

/** The kernels a worker runs, by op code: code i + 1 is ROW_KERNELS[i] (0: no job). */
export const OPS = ['', ...ROW_KERNELS] as const;
export type OpName = RowKernel;

/** The op code of a kernel, and a check that its arguments fit a job's slots. */
export function jobHeader(op: OpName, argc: number): number {
  const code = OPS.indexOf(op);
  if (code < 1) throw new Error(`batchnorm-wasm: ${op} is not a row kernel the workers run (those are ${ROW_KERNELS.join(', ')})`);
  if (argc > ARGS_SLOTS - 2) throw new RangeError(`batchnorm-wasm: a ${op} job has ${argc} arguments; the protocol holds ${ARGS_SLOTS - 2}`);
  return code;
}
