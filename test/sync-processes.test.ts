// Synchronized batch norm across processes: three replicas in child processes (Node's IPC
// channel as their transport, relayed by this process) train as one layer on their rows
// together would, which runs here on the concatenated batch.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { BatchNormalization, init } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { assertBuilt } from './helpers/packed.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  assertBuilt(); // the replicas load dist/
  await init();
});

const child = fileURLToPath(new URL('./helpers/sync-child.mjs', import.meta.url));

interface StepResult { y: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array; runningMean: Float32Array; runningVar: Float32Array }

it.each(['wasm', 'js'] as const)('%s: three processes with 4, 1 and 6 rows of NCHW [N, 3, 2, 2] train as one layer, over two steps, then infer', async (backend) => {
  const rows = [4, 1, 6];
  const inner = [3, 2, 2];
  const per = 12;
  const N = rows.reduce((a, b) => a + b);
  const gamma = seeded(3, 1, 1);
  const beta = seeded(3, 2);
  const data = [0, 1].map((s) => ({ x: seeded(N * per, 10 + s, 5, 4), dy: seeded(N * per, 20 + s) }));
  const infer = seeded(N * per, 30, 5, 4);
  const starts = rows.map((_, r) => rows.slice(0, r).reduce((a, b) => a + b, 0) * per);
  const part = (a: Float32Array, r: number) => a.slice(starts[r], starts[r] + rows[r] * per);

  const children: ChildProcess[] = rows.map(() => fork(child, [], { serialization: 'advanced', stdio: 'inherit' }));
  const results = await new Promise<{ steps: StepResult[]; yInfer: Float32Array }[]>((resolve, reject) => {
    const got: { steps: StepResult[]; yInfer: Float32Array }[] = [];
    children.forEach((c, r) => {
      c.on('message', (msg: { to?: number; m?: unknown; result?: { steps: StepResult[]; yInfer: Float32Array }; error?: string }) => {
        if (msg.to !== undefined) children[msg.to].send({ from: r, m: msg.m });
        else if (msg.error) reject(new Error(`replica ${r}: ${msg.error}`));
        else if (msg.result) {
          got[r] = msg.result;
          if (got.filter(Boolean).length === rows.length) resolve(got);
        }
      });
      c.on('exit', (code) => code !== 0 && reject(new Error(`replica ${r} exited with ${code}`)));
      c.send({ start: { rank: r, size: rows.length, backend, gamma, beta, inner, infer: part(infer, r), steps: data.map(({ x, dy }) => ({ x: part(x, r), dy: part(dy, r) })) } });
    });
  }).finally(() => children.forEach((c) => c.kill()));

  const one = new BatchNormalization(Float32Array.from(gamma), beta, 0.9, null, null, { backend, axis: 1 });
  data.forEach(({ x, dy }, s) => {
    const y = one.forward({ data: x, shape: [N, ...inner] }).data;
    const dx = one.backward({ data: dy, shape: [N, ...inner] }).data;
    results.forEach(({ steps }, r) => {
      expect(scaledDistance(steps[s].y, y.subarray(starts[r], starts[r] + rows[r] * per)), `y, replica ${r}, step ${s}`).toBeLessThan(1e-6);
      expect(scaledDistance(steps[s].dx, dx.subarray(starts[r], starts[r] + rows[r] * per)), `dx, replica ${r}, step ${s}`).toBeLessThan(1e-6);
      expect(Array.from(steps[s].runningMean)).toEqual(Array.from(results[0].steps[s].runningMean)); // the same bits on every replica
      expect(Array.from(steps[s].runningVar)).toEqual(Array.from(results[0].steps[s].runningVar));
    });
    expect(scaledDistance(results[0].steps[s].runningVar, one.runningVar!)).toBeLessThan(1e-6);
    const dgamma = Float64Array.from(gamma, (_, c) => results.reduce((sum, res) => sum + res.steps[s].dgamma[c], 0));
    expect(scaledDistance(dgamma, one.dgamma!)).toBeLessThan(2e-6);
    for (let c = 0; c < 3; c++) one.gamma[c] -= 0.01 * c;
  });
  const yInfer = one.forward({ data: infer, shape: [N, ...inner] }, false).data;
  results.forEach(({ yInfer: y }, r) => expect(scaledDistance(y, yInfer.subarray(starts[r], starts[r] + rows[r] * per))).toBeLessThan(1e-6));
  one.dispose();
});
