// Which loop shape (assembly/drivers.ts) each O(N*C*S) kernel runs on a geometry, and when a
// training forward or a backward runs slab by slab of channels: looked up in the plan table
// that `npm run tune` measured on a machine (plan-table.ts says which, and on which Node).
// The kernels take the plan word as their last argument; every word gives correct results
// (test/plan.test.ts), the table only says which was fastest where.
import { PLAN_TABLE as MEASURED } from './plan-table.js';

/** The kernels a plan word steers. */
export type PlanOp = 'stats' | 'normalize' | 'backwardReduce' | 'backwardApply';
export const PLAN_OPS: readonly PlanOp[] = ['stats', 'normalize', 'backwardReduce', 'backwardApply'];

/**
 * A loop shape. S == 1 (rows): V vectors of features (4 f32 lanes each) a step, over R rows
 * with their per-feature values held in registers (R = 1: a row at a time). S > 1 (runs):
 * V vectors a step along each (n, c) run; R is not used. (V = 1 is no driver of its own: every
 * driver takes the features past its last V vectors one vector, then one feature, at a time.)
 */
export interface Driver {
  readonly V: 2 | 4;
  readonly R: number;
}

/** Rows of up to maxC features: the driver for tensors of at most the table's inCacheBytes, and for larger ones. */
export interface RowsEntry {
  readonly maxC: number;
  readonly inCache: Driver;
  readonly outOfCache: Driver;
}

export interface PlanTable {
  /** The machine line and Node version the table was measured with (bench/lib/results.mjs: machineLine). */
  readonly measuredOn: string;
  /** Tensors of at most this many bytes count as in cache. */
  readonly inCacheBytes: number;
  /** S == 1, per kernel: entries by maxC, ascending; the last one takes every wider row too. */
  readonly rows: Readonly<Record<PlanOp, readonly RowsEntry[]>>;
  /** S > 1, per kernel. */
  readonly runs: Readonly<Record<PlanOp, Driver>>;
  /** Slabs (src/wasm/slabs.ts): a slab's bytes of x (and dy), and the most rows a slabbed call has (0: never). */
  readonly slab: { readonly bytes: number; readonly maxRows: number };
}

/** The committed table (plan-table.ts, written by `npm run tune`). */
export const PLAN_TABLE: PlanTable = MEASURED;

/** The word a kernel takes for a driver (assembly/drivers.ts: planVectors, planRows). */
export const planWord = (d: Driver): number => (d.R << 3) | d.V;

/** The plan word for kernel op over [N, C, S] of elementBytes elements, from table (the committed one by default). */
export function planFor(op: PlanOp, N: number, C: number, S: number, elementBytes = 4, table: PlanTable = PLAN_TABLE): number {
  if (S > 1) return planWord(table.runs[op]);
  const entries = table.rows[op];
  let e = entries[entries.length - 1];
  for (const entry of entries) {
    if (C <= entry.maxC) {
      e = entry;
      break;
    }
  }
  return planWord(N * C * elementBytes <= table.inCacheBytes ? e.inCache : e.outOfCache);
}
