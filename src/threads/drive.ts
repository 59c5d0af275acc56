// Running a threaded operation's steps: each step is one Job[] (a job per thread), yielded
// by the generators of parallel.ts, so that the same operation runs blocking or awaiting.
// Apart from parallel.ts, which only init({ threads }) loads, so that code without threads
// does not pull the threaded kernels in.
import type { Job, ThreadPool } from './pool.js';

export type Steps = Generator<Job[], void, void>;

/** Runs the steps, blocking in each until every thread is done. */
export function drive(pool: ThreadPool, steps: Steps): void {
  for (let r = steps.next(); !r.done; r = steps.next()) pool.run(r.value);
}

/** Runs the steps, awaiting each. */
export async function driveAsync(pool: ThreadPool, steps: Steps): Promise<void> {
  for (let r = steps.next(); !r.done; r = steps.next()) await pool.runAsync(r.value);
}
