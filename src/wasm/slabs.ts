// When a training forward or a backward runs as one kernel over slabs of channels
// (assembly/slab.ts: trainSlabs, backwardSlabs) instead of two passes over the whole tensor,
// and how many channels a slab holds. A slab's x (and dy) stay in L2 between its two passes,
// so they come from memory once. Results are the same bits either way (test/slabs.test.ts).
//
// Measured here (AMD EPYC, 1 MiB L2 a core; kernels called directly, interleaved,
// time / memcpy of x): the book's [32, 200704] training forward 1.97x -> 1.72x with 512 KiB
// slabs (1.82x with 256 KiB), backward 3.02x -> 2.45x; [16, 262144] 2.92x -> 2.72x and
// 4.16x -> 3.55x. From 64 rows on, slabs gained nothing ([64, 65536]: 1.94x -> 1.93x) or lost
// ([128, 32768]: 2.50x -> 2.57x, backward 4.11x -> 4.07x..4.46x), and so did channel slabs of the
// S > 1 layout ([32, 64, 3136], one channel a slab: 1.45x -> 2.10x), whose runs they walk
// channel by channel instead of in memory order. Hence S == 1 and at most 32 rows.
// The slab's bytes and the most rows are entries of the plan table (plan.ts), measured by
// `npm run tune`.
import type { Geometry } from '../types.js';
import { PLAN_TABLE, type PlanTable } from './plan.js';

/**
 * Channels per slab for an operation reading `tensors` tensors of this geometry (1: the
 * training forward's x; 2: backward's x and dy) of elementBytes elements, or 0: two passes. 0 as well where the
 * runner may split steps over threads (maxShares > 1): they split the two passes by rows.
 * A multiple of 4 (0 where 4 channels overflow a slab); at least two slabs, or the whole
 * tensor fits the budget and slabs would save nothing.
 */
export function slabChannels(g: Geometry, tensors: 1 | 2, maxShares: number, elementBytes = 4, table: PlanTable = PLAN_TABLE): number {
  // Past the cache only: a tensor the cache holds is read from it by both passes anyway.
  if (maxShares > 1 || g.S !== 1 || g.N > table.slab.maxRows || g.count * elementBytes * tensors <= table.inCacheBytes) return 0;
  const slab = Math.floor(table.slab.bytes / (g.N * elementBytes * tensors)) & ~3;
  return g.C >= 2 * slab ? slab : 0; // a slab of 0 channels gives 0 either way
}
