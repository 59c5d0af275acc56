// The kernel ABI, written once: every export of build/batchnorm.wasm (assembly/index.ts) with
// its parameters in order and the role each plays. The exports' TypeScript type, the thread
// protocol's op codes and job size (src/threads/protocol.ts) and how a step is split over
// threads (sliceArgs) are derived from this table; test/kernels.test.ts checks it against the
// declarations asc emits for the module (build/batchnorm.d.ts): names, order and types.
//
// A parameter is 'name:role'; a bare name is its own role.
//   rows   byte pointer to row 0 of an [N, C, S] tensor; a share starting at row r gets +r*C*S*4
//   count  the rows N; a share gets its own row count
//   part   pointer into per-share partial results: share t gets +t*partialBytes(C)
//   C, S   the sizes of the [N, C, S] view (N too, in a kernel that threads do not split)
//   tensor byte pointer to a whole [N, C, S] tensor, in a kernel that threads do not split
//   ptr    a per-channel array, the same for every share
//   f64    a number; i32: a flag or code (activation: src/activation.ts)
//   plan   a plan word: the loop shape the kernel runs (src/wasm/plan.ts), the same for every share
export const KERNELS = {
  // O(N*C*S) steps over a block of rows: these are what threads split.
  stats: ['x:rows', 'N:count', 'C', 'S', 'mean:part', 'm2:part', 'scratch:part', 'plan:plan'],
  normalize: ['x:rows', 'y:rows', 'N:count', 'C', 'S', 'center:ptr', 'scale:ptr', 'bias:ptr', 'activation:i32', 'plan:plan'],
  backwardReduce: ['x:rows', 'dy:rows', 'N:count', 'C', 'S', 'center:ptr', 'alpha:ptr', 'shift:ptr', 'sumDy:part', 'sumDyXc:part', 'scratch:part',
    'activation:i32', 'plan:plan'],
  backwardApply: ['x:rows', 'dy:rows', 'dx:rows', 'N:count', 'C', 'S', 'center:ptr', 'alpha:ptr', 'shift:ptr', 'ka:ptr', 'kb:ptr', 'kc:ptr', 'activation:i32',
    'plan:plan'],
  // O(C) steps on the calling thread, between the others.
  trainFinalize: ['C', 'count:f64', 'mean64:ptr', 'm2_64:ptr', 'gamma:ptr', 'beta:ptr', 'runMean:ptr', 'runVar:ptr',
    'momentum:f64', 'eps:f64', 'unbiased:i32', 'meanHi:ptr', 'meanLo:ptr', 'saveInvstd:ptr', 'alpha:ptr', 'shift:ptr'],
  fold: ['C', 'gamma:ptr', 'runVar:ptr', 'eps:f64', 'scale:ptr'],
  backwardFinalize: ['C', 'M:f64', 'gamma:ptr', 'meanLo:ptr', 'saveInvstd:ptr', 'sumDy:ptr', 'sumDyXc:ptr', 'dgamma:ptr', 'dbeta:ptr',
    'ka:ptr', 'kb:ptr', 'kc:ptr'],
  mergeStats: ['C', 'nA:f64', 'meanA:ptr', 'm2A:ptr', 'nB:f64', 'meanB:ptr', 'm2B:ptr'],
  // A whole operation over slabs of channels, on the calling thread (slabs.ts says when).
  trainSlabs: ['x:tensor', 'y:tensor', 'N', 'C', 'S', 'slab:i32', 'mean64:ptr', 'm2_64:ptr', 'gamma:ptr', 'beta:ptr', 'runMean:ptr', 'runVar:ptr',
    'momentum:f64', 'eps:f64', 'unbiased:i32', 'meanHi:ptr', 'meanLo:ptr', 'saveInvstd:ptr', 'alpha:ptr', 'shift:ptr', 'scratch:ptr', 'activation:i32', 'statsPlan:plan', 'normalizePlan:plan'],
  backwardSlabs: ['x:tensor', 'dy:tensor', 'dx:tensor', 'N', 'C', 'S', 'slab:i32', 'center:ptr', 'alpha:ptr', 'shift:ptr', 'sumDy:ptr', 'sumDyXc:ptr',
    'gamma:ptr', 'meanLo:ptr', 'saveInvstd:ptr', 'dgamma:ptr', 'dbeta:ptr', 'ka:ptr', 'kb:ptr', 'kc:ptr', 'scratch:ptr', 'activation:i32',
    'reducePlan:plan', 'applyPlan:plan'],
  addF64: ['dst:ptr', 'src:ptr', 'n:i32'],
} as const;

type Table = typeof KERNELS;
export type KernelName = keyof Table;
/** The kernels that take a block of rows (a 'count' parameter): the steps threads split. */
export type RowKernel = { [K in KernelName]: 'N:count' extends Table[K][number] ? K : never }[KernelName];

// One number per entry of a parameter list.
type Numbers<T extends readonly string[]> = { -readonly [I in keyof T]: number };

/** The module's exports as TypeScript sees them: one number per parameter of the table. */
export type KernelExports = { [K in KernelName]: (...args: Numbers<Table[K]>) => void };

export const ROW_KERNELS = (Object.keys(KERNELS) as KernelName[]).filter((k) => KERNELS[k].some((p) => p.endsWith(':count'))) as RowKernel[];

/** The most arguments any row kernel takes: the thread protocol's job slots are sized from it. */
export const MAX_ROW_ARGS = Math.max(...ROW_KERNELS.map((k) => KERNELS[k].length));

/** The role a kernel parameter's entry names ('C' for 'C', 'rows' for 'x:rows'). */
export function roleOf(param: string): string {
  return param.slice(param.indexOf(':') + 1); // no colon: indexOf's -1 slices from 0
}

// Partial results (stats: mean then M2; backwardReduce: sum(dy) then sum(dy * xc)) are two
// f64 arrays of C per share, then the share's scratch (two f32 arrays of C: the rows
// driver's f32 sums of a block of rows, carried between its steps: assembly/drivers.ts),
// one share after another.
/** Bytes of one share's partial results and scratch. */
export const partialBytes = (C: number): number => C * 24;
/** The second array of a share's partial results, after its first. */
export const secondPartial = (part: number, C: number): number => part + C * 8;
/** A share's scratch, after its two result arrays. */
export const scratchPartial = (part: number, C: number): number => part + C * 16;

/** Share t of N rows split into `parts` blocks: the first N % parts blocks get one row more. */
export function shareOf(N: number, parts: number, t: number): { start: number; rows: number } {
  const base = Math.floor(N / parts);
  const extra = N % parts;
  return { start: t * base + Math.min(t, extra), rows: base + (t < extra ? 1 : 0) };
}

// Where each row kernel's rows/count/part parameters and sizes are: sliceArgs' lookup.
interface Layout {
  rows: number[];
  count: number;
  parts: number[];
  C: number;
  S: number;
}
const LAYOUTS = Object.fromEntries(ROW_KERNELS.map((k) => {
  const roles = (KERNELS[k] as readonly string[]).map(roleOf);
  const all = (role: string) => roles.flatMap((r, i) => (r === role ? [i] : []));
  return [k, { rows: all('rows'), count: roles.indexOf('count'), parts: all('part'), C: roles.indexOf('C'), S: roles.indexOf('S') }];
})) as Record<RowKernel, Layout>;

/** The [N, C, S] sizes a row kernel's arguments give. */
export function sizesOf(op: RowKernel, args: readonly number[]): { N: number; C: number; S: number } {
  const l = LAYOUTS[op];
  return { N: args[l.count], C: args[l.C], S: args[l.S] };
}

/** A row kernel's whole-batch arguments narrowed to share t: rows start..start+rows-1. */
export function sliceArgs(op: RowKernel, args: readonly number[], start: number, rows: number, t: number): number[] {
  const l = LAYOUTS[op];
  const out = args.slice();
  const C = args[l.C];
  const rowBytes = C * args[l.S] * 4;
  for (const i of l.rows) out[i] += start * rowBytes;
  for (const i of l.parts) out[i] += t * partialBytes(C);
  out[l.count] = rows;
  return out;
}
