// The shared control block between the main thread and the workers, in Wasm memory.
// Int32 slots (index into an Int32Array at the block's start):
export const GEN = 0; // job generation: workers sleep on it, the main thread bumps it
export const PENDING = 1; // workers still busy with the current generation
export const ERROR = 2; // 1 + index of the first worker that failed, or 0
export const EXIT = 3; // 1: workers leave their loop
export const MSG_LEN = 4; // length of the error message
export const MSG_OFFSET = 32; // bytes: the error message, UTF-16, MSG_CHARS at most
export const MSG_CHARS = 256;
export const ARGS_OFFSET = 576; // bytes: per worker, ARGS_SLOTS f64: [op, argc, ...args]
export const ARGS_SLOTS = 16;
export const blockBytes = (workers: number) => ARGS_OFFSET + workers * ARGS_SLOTS * 8;

/** The kernels a worker runs, by op code (index). */
export const OPS = ['', 'stats', 'normalize', 'backwardReduce', 'backwardApply'] as const;
export type OpName = Exclude<(typeof OPS)[number], ''>;
