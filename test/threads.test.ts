// Worker threads over shared memory: results match one thread for every operation and
// layout; small tensors stay on one thread; errors in a worker surface in the caller; the
// workers end on shutdown() or with the last layer, and a process that used them exits.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { currentRuntime } from '../src/init.js';
import { allocTensor, BatchNormalization, init, shutdown } from '../src/index.js';
import { ThreadPool } from '../src/threads/pool.js';
import { ARGS_OFFSET, ARGS_SLOTS, EXITED, GEN, PENDING, READY, RUN, runCount } from '../src/threads/protocol.js';
import { workerSource } from '../src/threads/worker-source.js';
import type { ThreadedRunner } from '../src/threads/threaded-runner.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { embeddedBytes, instantiateKernelsSync } from '../src/wasm/instantiate.js';
import { withSharedMemory } from '../src/wasm/shared-module.js';
import { scaledDistance } from './helpers/compare.js';
import { seeded } from './helpers/seeded.js';
import { inProcessGroup } from './helpers/sync-group.js';
import { THREAD_CASES } from './helpers/thread-cases.js';

type Lib = typeof import('../src/index.js');
let single: Lib; // a second copy of the library, initialised without threads

beforeAll(async () => {
  vi.resetModules();
  single = await import('../src/index.js');
  await single.init();
  vi.resetModules();
  expect(await init({ threads: 2 })).toEqual({ backend: 'wasm', simd: true, threads: 2 });
});

afterAll(() => shutdown());

const pool = () => (currentRuntime()!.threads as ThreadedRunner).pool;


describe('two threads against one', () => {
  for (const [name, shape, axis, relu] of THREAD_CASES) {
    it(`${name} [${shape}]: training forward, backward, inference (sync and async)`, async () => {
      const count = shape.reduce((a, b) => a * b, 1);
      const C = axis === 1 ? shape[1] : axis === -1 ? shape[shape.length - 1] : count / shape[0];
      const x = { data: seeded(count, 1, 2, 3), shape };
      const dy = { data: seeded(count, 2), shape };
      const options = { axis, activation: relu ? ('relu' as const) : null };
      const make = (lib: Lib) => new lib.BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, options);
      const one = make(single);
      const two = make({ BatchNormalization } as Lib);
      const run = vi.spyOn(pool(), 'run');
      const pairs: Array<[Float32Array, Float32Array]> = [
        [two.forward(x).data, one.forward(x).data],
        [two.runningVar!, one.runningVar!],
        [two.backward(dy).data, one.backward(dy).data],
        [two.dgamma!, one.dgamma!],
        [two.forward(x, false).data, one.forward(x, false).data],
        [(await two.forwardAsync(x, true)).data, one.forward(x, true).data],
        [(await two.backwardAsync(dy)).data, one.backward(dy).data],
        [(await two.forwardAsync(x, false)).data, one.forward(x, false).data],
      ];
      expect(run).toHaveBeenCalled(); // the sync calls really ran threaded (6 steps)
      expect(run.mock.calls.length).toBe(5);
      run.mockRestore();
      pairs.forEach(([a, b], i) => expect(scaledDistance(a, b), `pair ${i}`).toBeLessThanOrEqual(1e-6));
      one.dispose();
      two.dispose();
    });
  }

  it('with resident tensors in and out', () => {
    const shape = [256, 1024];
    const x = allocTensor(shape);
    x.data.set(seeded(256 * 1024, 5, 1, 2));
    const y = allocTensor(shape);
    const two = new BatchNormalization(seeded(1024, 6, 1), seeded(1024, 7));
    const one = new single.BatchNormalization(seeded(1024, 6, 1), seeded(1024, 7));
    two.forward(x, true, y);
    expect(scaledDistance(y.data, one.forward({ data: x.data, shape }).data)).toBeLessThanOrEqual(1e-6);
    two.forward(x, false, x); // in place
    expect(scaledDistance(x.data, one.forward({ data: seeded(256 * 1024, 5, 1, 2), shape }, false).data)).toBeLessThanOrEqual(1e-6);
    for (const t of [x, y, two, one]) t.dispose();
  });

  it('keeps small tensors on one thread', () => {
    const run = vi.spyOn(pool(), 'run');
    const bn = new BatchNormalization(seeded(64, 1, 1), seeded(64, 2));
    bn.forward({ data: seeded(64 * 64, 3), shape: [64, 64] });
    bn.backward({ data: seeded(64 * 64, 4), shape: [64, 64] });
    expect(run).not.toHaveBeenCalled();
    run.mockRestore();
    bn.dispose();
  });

  it("runs another layer's call on one thread while an async call holds the workers", async () => {
    const a = new BatchNormalization(seeded(1024, 1, 1), seeded(1024, 2));
    const b = new BatchNormalization(seeded(1024, 1, 1), seeded(1024, 2));
    const x = { data: seeded(256 * 1024, 3), shape: [256, 1024] };
    const [ya, yb] = await Promise.all([a.forwardAsync(x), b.forwardAsync(x)]);
    expect(scaledDistance(yb.data, ya.data)).toBeLessThanOrEqual(1e-6); // one of them ran on one thread
    const pending = a.forwardAsync(x, false);
    expect(scaledDistance(b.forward(x, false).data, (await pending).data)).toBeLessThanOrEqual(1e-6);
    a.dispose();
    b.dispose();
  });

  it('refuses a second call on a layer while an async one is in flight', async () => {
    const bn = new BatchNormalization(seeded(1024, 1, 1), seeded(1024, 2));
    const x = { data: seeded(256 * 1024, 3), shape: [256, 1024] };
    const first = bn.forwardAsync(x);
    expect(() => bn.forward(x)).toThrow(/an async call on this layer has not settled yet/);
    await expect(bn.forwardAsync(x)).rejects.toThrow(/has not settled yet/);
    await first;
    expect(bn.forward(x).data.length).toBe(256 * 1024);
    bn.dispose();
  });
});

describe('threads and the seams', () => {
  it('an odd N splits into unequal shares: the merge weights and the remainder row are right', () => {
    const run = vi.spyOn(pool(), 'run');
    for (const N of [257, 129]) {
      const shape = [N, 1024];
      const x = { data: seeded(N * 1024, 11, 3, 5), shape };
      const dy = { data: seeded(N * 1024, 12), shape };
      const two = new BatchNormalization(seeded(1024, 13, 1), seeded(1024, 14));
      const one = new single.BatchNormalization(seeded(1024, 13, 1), seeded(1024, 14));
      expect(scaledDistance(two.forward(x).data, one.forward(x).data)).toBeLessThanOrEqual(1e-6);
      expect(scaledDistance(two.runningVar!, one.runningVar!)).toBeLessThanOrEqual(1e-6);
      expect(scaledDistance(two.runningMean!, one.runningMean!)).toBeLessThanOrEqual(1e-6);
      expect(scaledDistance(two.backward(dy).data, one.backward(dy).data)).toBeLessThanOrEqual(1e-6);
      expect(scaledDistance(two.dgamma!, one.dgamma!)).toBeLessThanOrEqual(1e-6);
      two.dispose();
      one.dispose();
    }
    expect(run).toHaveBeenCalled(); // they did split
    run.mockRestore();
  });

  it('three threads (more than this machine may have cores): the merge of the third share', async () => {
    vi.resetModules();
    const three: Lib = await import('../src/index.js');
    expect(await three.init({ threads: 3 })).toMatchObject({ threads: 3 });
    const N = 385; // 129 + 128 + 128 rows
    const shape = [N, 1024];
    const x = { data: seeded(N * 1024, 24, -2, 6), shape };
    const dy = { data: seeded(N * 1024, 25), shape };
    const a = new three.BatchNormalization(seeded(1024, 26, 1), seeded(1024, 27));
    const b = new single.BatchNormalization(seeded(1024, 26, 1), seeded(1024, 27));
    expect(scaledDistance(a.forward(x).data, b.forward(x).data)).toBeLessThanOrEqual(1e-6);
    expect(scaledDistance(a.runningVar!, b.runningVar!)).toBeLessThanOrEqual(1e-6);
    expect(scaledDistance(a.backward(dy).data, b.backward(dy).data)).toBeLessThanOrEqual(1e-6);
    expect(scaledDistance(a.dgamma!, b.dgamma!)).toBeLessThanOrEqual(1e-6);
    for (const t of [a, b]) t.dispose();
    three.shutdown();
  });

  it('a Wasm tensor of another copy of the library is copied, with the same results', () => {
    const shape = [256, 1024];
    const values = seeded(256 * 1024, 15, 1, 2);
    const old = single.allocTensor(shape); // the other module instance's memory
    old.data.set(values);
    const fresh = allocTensor(shape); // this runtime's
    fresh.data.set(values);
    const a = new BatchNormalization(seeded(1024, 16, 1), seeded(1024, 17));
    const b = new single.BatchNormalization(seeded(1024, 16, 1), seeded(1024, 17));
    expect(scaledDistance(a.forward(old).data, b.forward(fresh).data)).toBeLessThanOrEqual(1e-6);
    expect(scaledDistance(a.forward(old, false).data, b.forward(fresh, false).data)).toBeLessThanOrEqual(1e-6);
    for (const t of [old, fresh, a, b]) t.dispose();
  });

  it('a tensor made before init({ threads }) is copied by the threaded runtime\'s layers, and the other way round', async () => {
    vi.resetModules();
    const lib: Lib = await import('../src/index.js');
    await lib.init();
    const shape = [256, 1024];
    const values = seeded(256 * 1024, 21, 1, 2);
    const before = lib.allocTensor(shape);
    before.data.set(values);
    const early = new lib.BatchNormalization(seeded(1024, 22, 1), seeded(1024, 23));
    expect(await lib.init({ threads: 2 })).toMatchObject({ threads: 2 });
    const after = lib.allocTensor(shape);
    after.data.set(values);
    const late = new lib.BatchNormalization(seeded(1024, 22, 1), seeded(1024, 23));
    const reference = new lib.BatchNormalization(seeded(1024, 22, 1), seeded(1024, 23), 0.9, null, null, { backend: 'js' }).forward({ data: values, shape }).data;
    expect(scaledDistance(late.forward(before).data, reference)).toBeLessThanOrEqual(1e-5);
    expect(scaledDistance(early.forward(after).data, reference)).toBeLessThanOrEqual(1e-5);
    expect(Array.from(before.data.subarray(0, 4))).toEqual(Array.from(values.subarray(0, 4))); // read, not written
    for (const t of [before, after, early, late]) t.dispose();
    lib.shutdown();
  });

  it('shutdown() while a forwardAsync is in flight rejects it at once, and the layer stays as it was', async () => {
    const shape = [512, 1024];
    const x = { data: seeded(512 * 1024, 18, 1, 2), shape };
    const other = { data: seeded(512 * 1024, 28, -3, 5), shape };
    const dy = { data: seeded(512 * 1024, 29), shape };
    const bn = new BatchNormalization(seeded(1024, 19, 1), seeded(1024, 20));
    const twin = new single.BatchNormalization(seeded(1024, 19, 1), seeded(1024, 20));
    bn.forward(x, true);
    twin.forward(x, true);
    const runningMean = Array.from(bn.runningMean!);
    const started = Date.now();
    const pending = bn.forwardAsync(other, true); // copies `other` in, then its first step is in flight
    shutdown();
    await expect(pending).rejects.toThrow(/shutdown\(\) ended this call before the worker threads finished it/);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 60 s stall guard
    expect(Array.from(bn.runningMean!)).toEqual(runningMean); // nothing committed
    // Backward still differentiates the last forward that completed, x, not `other`.
    expect(scaledDistance(bn.backward(dy).data, twin.backward(dy).data)).toBeLessThanOrEqual(1e-6);
    expect(scaledDistance(bn.forward(x, true).data, twin.forward(x, true).data)).toBeLessThanOrEqual(1e-6);
    expect(scaledDistance((await bn.forwardAsync(x, true)).data, twin.forward(x, true).data)).toBeLessThanOrEqual(1e-6);
    for (const t of [bn, twin]) t.dispose();
  });
});

describe('threads inside synchronized replicas', () => {
  it('two replicas of a threaded runtime, their rows split over the threads, train as one single-threaded layer on both', async () => {
    const shape = [400, 6, 7, 8]; // 134,400 elements a replica: two shares of rows
    const C = 6;
    const per = 6 * 7 * 8;
    const x = seeded(800 * per, 7, 2, 3);
    const dy = seeded(800 * per, 8);
    const group = inProcessGroup(2);
    const replicas = group.map((collective) => new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { axis: 1, collective }));
    const one = new single.BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { axis: 1 });
    const run = vi.spyOn(pool(), 'runAsync');
    const half = (a: Float32Array, r: number) => ({ data: a.subarray(r * 400 * per, (r + 1) * 400 * per), shape });
    const ys = await Promise.all(replicas.map((bn, r) => bn.forwardAsync(half(x, r))));
    const dxs = await Promise.all(replicas.map((bn, r) => bn.backwardAsync(half(dy, r))));
    expect(run).toHaveBeenCalled(); // the replicas' row steps went to the workers
    run.mockRestore();
    const y = one.forward({ data: x, shape: [800, 6, 7, 8] }).data;
    const dx = one.backward({ data: dy, shape: [800, 6, 7, 8] }).data;
    ys.forEach((yr, r) => expect(scaledDistance(yr.data, y.subarray(r * 400 * per, (r + 1) * 400 * per))).toBeLessThan(1e-6));
    dxs.forEach((d, r) => expect(scaledDistance(d.data, dx.subarray(r * 400 * per, (r + 1) * 400 * per))).toBeLessThan(1e-6));
    expect(scaledDistance(replicas[0].runningVar!, one.runningVar!)).toBeLessThan(1e-6);
    expect(Array.from(replicas[1].runningVar!)).toEqual(Array.from(replicas[0].runningVar!));
    for (const bn of [one, ...replicas]) bn.dispose();
  });
});

describe('worker lifecycle', () => {
  it('shutdown() ends the workers; the next threaded call starts them again', () => {
    const bn = new BatchNormalization(seeded(1024, 1, 1), seeded(1024, 2));
    const x = { data: seeded(256 * 1024, 3), shape: [256, 1024] };
    const before = bn.forward(x).data;
    expect(pool().running).toBe(true);
    shutdown();
    expect(pool().running).toBe(false);
    expect(Array.from(bn.forward(x).data)).toEqual(Array.from(before));
    expect(pool().running).toBe(true);
    bn.dispose();
  });

  it('disposing the last layer ends the workers', () => {
    const a = new BatchNormalization(seeded(1024, 1, 1), seeded(1024, 2));
    const b = new BatchNormalization(seeded(1024, 1, 1), seeded(1024, 2));
    a.forward({ data: seeded(256 * 1024, 3), shape: [256, 1024] });
    expect(pool().running).toBe(true);
    a.dispose();
    expect(pool().running).toBe(true); // b is alive
    b.dispose();
    expect(pool().running).toBe(false);
  });

  it('a process that used threads exits by itself', () => {
    const probe = fileURLToPath(new URL('./helpers/exit-probe.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error).toBeUndefined(); // no timeout
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ threads: 2, y0: expect.any(Number) });
  });
});

describe('errors in threads', () => {
  // A pool of its own over a small shared memory, given jobs that read out of bounds.
  function smallPool() {
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 16, shared: true });
    const { module, kernels } = instantiateKernelsSync(withSharedMemory(embeddedBytes(), 65536), memory);
    return new ThreadPool(module, memory, new WasmHeap(memory), kernels, 2, 2);
  }
  const outOfBounds = { op: 'normalize' as const, args: [1 << 20, 1 << 20, 64, 64, 1, 64, 64, 64, 0] };
  const fine = { op: 'normalize' as const, args: [4096, 4096, 4, 4, 1, 64, 64, 64, 0] };

  it("a worker's failure surfaces as an exception in the caller, and the pool still works after", () => {
    const p = smallPool();
    expect(() => p.run([fine, outOfBounds])).toThrow(/worker thread 1 failed: .*memory access out of bounds/);
    expect(() => p.run([fine, fine])).not.toThrow();
    p.shutdown();
  });

  it("the main thread's own failure is thrown after the workers finish", async () => {
    const p = smallPool();
    expect(() => p.run([outOfBounds, fine])).toThrow(/memory access out of bounds/);
    await expect(p.runAsync([fine, outOfBounds])).rejects.toThrow(/worker thread 1 failed/);
    p.shutdown();
  });

  // What the tests below drive by hand: the pool's control block and what a worker is sent.
  const internals = (p: ThreadPool) => p as unknown as { i32: Int32Array; ctl: number; memory: WebAssembly.Memory; module: WebAssembly.Module };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("a late notify of a generation the worker has already run does not run it again (it hung the main thread's wait)", async () => {
    const p = smallPool();
    await p.whenReady();
    p.run([fine, fine]);
    const { i32 } = internals(p);
    await sleep(50); // the worker has stopped spinning and sleeps in Atomics.wait
    // The notify of the dispatch above, as when the main thread is descheduled between its
    // add and its notify while the worker runs the job: a wake-up, no new generation.
    Atomics.notify(i32, GEN);
    await sleep(50);
    expect(Atomics.load(i32, PENDING)).toBe(0); // was -1: the next wait for 0 never ended
    p.run([fine, fine]);
    expect(Atomics.load(i32, PENDING)).toBe(0);
    p.shutdown();
  });

  it('a worker of an earlier run that starts or wakes late leaves: it runs no job and counts itself neither in nor out of the current run', async () => {
    const p = smallPool();
    await p.whenReady();
    const { i32, memory, ctl, module } = internals(p);
    const oldRun = Atomics.load(i32, RUN);
    p.shutdown();
    await p.whenReady(); // the next run, with worker 1 of its own
    const run = Atomics.load(i32, RUN);
    // Worker 1 of the old run, not stopped yet (terminate() is not immediate).
    const zombie = new Worker(workerSource, { eval: true });
    const left = new Promise((resolve) => zombie.once('exit', resolve));
    zombie.postMessage({ module, memory, ctl, index: 1, gen: Atomics.load(i32, GEN), run: oldRun, countBase: runCount(oldRun, 0), spinMs: 0 });
    // A generation with nothing for worker 1 to run: only the current worker may count it.
    new Float64Array(memory.buffer, ctl + ARGS_OFFSET + ARGS_SLOTS * 8, 2).fill(0);
    Atomics.store(i32, PENDING, 1);
    Atomics.add(i32, GEN, 1);
    Atomics.notify(i32, GEN);
    await left;
    await sleep(20);
    expect(Atomics.load(i32, PENDING)).toBe(0); // the old run's worker decremented it too before
    expect(Atomics.load(i32, READY)).toBe(runCount(run, 1)); // its start-up report is not this run's
    expect(Atomics.load(i32, EXITED)).toBe(runCount(run, 0));
    expect(p.ready).toBe(true);
    p.run([fine, fine]);
    p.shutdown();
  });

  it("a worker's failure in a job that shutdown() abandoned is not thrown by the next run's calls", async () => {
    const p = smallPool();
    await p.whenReady();
    const { i32 } = internals(p);
    const call = p.runAsync([fine, outOfBounds]);
    while (Atomics.load(i32, PENDING) !== 0); // the worker has failed; the call has not settled
    p.shutdown();
    await expect(call).rejects.toThrow(/shutdown\(\) ended this call/);
    await p.whenReady();
    expect(() => p.run([fine, fine])).not.toThrow(); // threw the old 'memory access out of bounds'
    expect(() => p.run([fine, outOfBounds])).toThrow(/worker thread 1 failed/); // and new failures still surface
    p.shutdown();
  });

  it('shutdown() while the workers start rejects the wait for them at once', async () => {
    const p = smallPool();
    const starting = p.whenReady();
    p.shutdown();
    const t0 = Date.now();
    await expect(starting).rejects.toThrow(/shutdown\(\) ended the start of the worker threads/);
    expect(Date.now() - t0).toBeLessThan(2000); // it waited for the 15 s start-up limit before
    await p.whenReady(); // and a new start works
    p.run([fine, fine]);
    p.shutdown();
  });

  it('init({ threads: 1 }) says so', async () => {
    expect(await single.init({ threads: 1 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
  });

  it('rejects bad thread counts', async () => {
    expect(() => init({ threads: 0 })).toThrow(/options\.threads must be an integer from 1 to 1024 or 'auto'; got 0/);
    expect(() => init({ threads: 2.5 })).toThrow(RangeError);
    expect(() => single.initSync({ threads: 2 } as never)).toThrow(/needs the async init\(\)/);
  });
});
