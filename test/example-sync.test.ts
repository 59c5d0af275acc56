// examples/sync-training.mjs as a user runs it (npm run example:sync): four worker threads
// train with synchronized batch norm, and every replica ends with the same bits.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { assertBuilt, root } from './helpers/packed.js';

it('four workers train, the loss falls, and the replicas agree to the last bit', () => {
  assertBuilt();
  const run = spawnSync(process.execPath, ['examples/sync-training.mjs'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(run.status, run.stderr).toBe(0);
  const [, first, last] = /loss: step 1 ([\d.]+), step 60 ([\d.]+)/.exec(run.stdout) ?? [];
  expect(Number(last)).toBeLessThan(Number(first) / 5);
  expect(run.stdout).toContain('every replica holds the same running statistics and gamma, to the last bit: true');
  const mean = Number(/running mean of feature 3 \(the data's mean is 300\): ([\d.]+)/.exec(run.stdout)?.[1]);
  expect(Math.abs(mean - 300)).toBeLessThan(60); // the average of 60 minibatch means, each of 64 rows with sd 577
});
