// The kernel ABI, written once: every export of build/batchnorm.wasm (assembly/index.ts) with
// its parameters in order and the role each plays. The exports' TypeScript type, the thread
// protocol's op codes and job size (src/threads/protocol.ts) and how a step is split over
// threads (sliceArgs) are derived from this table; test/kernels.test.ts checks it against the
// declarations asc emits for the module (build/batchnorm.d.ts): names, order and types.
// KERNELS lists the float32 layer's kernels; the float64 layer's are their f64 twins (the same
// source instantiated for f64, the same parameters, the name suffixed F64), derived below.
//
// A parameter is 'name:role'; a bare name is its own role.
//   rows   byte pointer to row 0 of an [N, C, S] tensor; a share starting at row r gets
//          +r*C*S*4 (f32) or +r*C*S*8 (f64)
//   count  the rows N; a share gets its own row count
//   part   pointer into per-share partial results: share t gets +t*partialBytes(C)
//   C, S   the sizes of the [N, C, S] view (N too, in a kernel that threads do not split)
//   tensor byte pointer to a whole [N, C, S] tensor, in a kernel that threads do not split
//   ptr    a per-channel array, the same for every share
//   f64    a number; i32: a flag or code (activation: src/activation.ts)
//   plan   a plan word: the loop shape the kernel runs (src/wasm/plan.ts), the same for every share
import type { DType } from '../types.js';

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

type F32Table = typeof KERNELS;
/** The kernels of a dtype: every one but the two that merge f64 partial results of either. */
export type TypedKernel = Exclude<keyof F32Table, 'mergeStats' | 'addF64'>;
export const TYPED_KERNELS = (Object.keys(KERNELS) as Array<keyof F32Table>).filter((k): k is TypedKernel => k !== 'mergeStats' && k !== 'addF64');
/** The f64 twin of a kernel: its name. */
export type F64Name<K extends TypedKernel> = `${K}F64`;
type F64Table = { [K in TypedKernel as F64Name<K>]: F32Table[K] };
/** The float64 layer's kernels: the f32 ones' twins, with their parameters. */
export const F64_KERNELS = Object.fromEntries(TYPED_KERNELS.map((k) => [`${k}F64`, KERNELS[k]])) as F64Table;
/** Every export of the module: KERNELS, then the f64 twins. */
export const ALL_KERNELS = { ...KERNELS, ...F64_KERNELS };

type Table = typeof ALL_KERNELS;
export type KernelName = keyof Table;
/** The kernels that take a block of rows (a 'count' parameter): the steps threads split. */
export type RowKernel = { [K in KernelName]: 'N:count' extends Table[K][number] ? K : never }[KernelName];

// One number per entry of a parameter list.
type Numbers<T extends readonly string[]> = { -readonly [I in keyof T]: number };

/** The module's exports as TypeScript sees them: one number per parameter of the table. */
export type KernelExports = { [K in KernelName]: (...args: Numbers<Table[K]>) => void };

/** The kernels of one dtype under the float32 names: what an engine of that dtype calls. */
export type DtypeKernels = { [K in keyof F32Table]: KernelExports[K] };

/** The export names of a dtype's kernels, by their float32 names. */
export function kernelNames(dtype: DType): Readonly<Record<keyof F32Table, KernelName>> {
  const typed = (k: keyof F32Table): k is TypedKernel => (TYPED_KERNELS as readonly string[]).includes(k);
  return Object.fromEntries((Object.keys(KERNELS) as Array<keyof F32Table>).map((k) => [k, dtype === 'float64' && typed(k) ? `${k}F64` : k])) as Record<keyof F32Table, KernelName>;
}

/** A dtype's kernels from the module's exports, under the float32 names. */
export function kernelsOf(kernels: KernelExports, dtype: DType): DtypeKernels {
  const names = kernelNames(dtype);
  return Object.fromEntries(Object.entries(names).map(([k, name]) => [k, kernels[name]])) as DtypeKernels;
}

export const ROW_KERNELS = (Object.keys(ALL_KERNELS) as KernelName[]).filter((k) => ALL_KERNELS[k].some((p) => p.endsWith(':count'))) as RowKernel[];

/** The most arguments any row kernel takes: the thread protocol's job slots are sized from it. */
export const MAX_ROW_ARGS = Math.max(...ROW_KERNELS.map((k) => ALL_KERNELS[k].length));

/** The role a kernel parameter's entry names ('C' for 'C', 'rows' for 'x:rows'). */
export function roleOf(param: string): string {
  return param.slice(param.indexOf(':') + 1); // no colon: indexOf's -1 slices from 0
}

// Partial results (stats: mean then M2; backwardReduce: sum(dy) then sum(dy * xc)) are two
// f64 arrays of C per share, then the share's scratch (two arrays of C of the element type:
// the rows driver's sums of a block of rows, carried between its steps: assembly/drivers.ts),
// one share after another.
/** Bytes of one share's partial results and scratch, for elements of elementBytes (4: f32, 8: f64). */
export const partialBytes = (C: number, elementBytes = 4): number => C * (16 + 2 * elementBytes);
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

// Where each row kernel's rows/count/part parameters and sizes are, and its element's bytes:
// sliceArgs' lookup.
interface Layout {
  rows: number[];
  count: number;
  parts: number[];
  C: number;
  S: number;
  bytes: number;
}
const LAYOUTS = Object.fromEntries(ROW_KERNELS.map((k) => {
  const roles = (ALL_KERNELS[k] as readonly string[]).map(roleOf);
  const all = (role: string) => roles.flatMap((r, i) => (r === role ? [i] : []));
  const bytes = k in F64_KERNELS ? 8 : 4;
  return [k, { rows: all('rows'), count: roles.indexOf('count'), parts: all('part'), C: roles.indexOf('C'), S: roles.indexOf('S'), bytes }];
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
  const rowBytes = C * args[l.S] * l.bytes;
  for (const i of l.rows) out[i] += start * rowBytes;
  for (const i of l.parts) out[i] += t * partialBytes(C, l.bytes);
  out[l.count] = rows;
  return out;
}
