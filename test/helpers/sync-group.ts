// K replicas in one process: collectives whose all-gather resolves once every replica of the
// group has called it for the same round (a barrier), each with the same list in rank order.
import type { Collective } from '../../src/index.js';

export function inProcessGroup(K: number): Collective[] {
  let round: (Float64Array | undefined)[] = new Array(K).fill(undefined);
  let waiting: ((all: Float64Array[]) => void)[] = [];
  return Array.from({ length: K }, (_, rank) => ({
    rank,
    size: K,
    allGather(local: Float64Array) {
      return new Promise<Float64Array[]>((resolve) => {
        if (round[rank] !== undefined) throw new Error(`rank ${rank} called twice in one round`);
        round[rank] = local;
        waiting.push(resolve);
        if (round.every((a) => a !== undefined)) {
          const all = round as Float64Array[];
          const done = waiting;
          round = new Array(K).fill(undefined);
          waiting = [];
          for (const r of done) r(all);
        }
      });
    },
  }));
}
