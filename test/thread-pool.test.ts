// The thread pool's protocol (src/threads/pool.ts) driven from this thread: workers that never
// report or never finish (the clock moved past the limits instead of waiting them out), what
// each worker is sent, the checks before a step is dispatched, shutdown() during a step, a
// platform without Atomics.waitAsync, a thread that may not block; and how many threads the
// threaded runner gives a step. The layers over real workers: threads.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ThreadPool } from '../src/threads/pool.js';
import { ARGS_SLOTS, EXITED, GEN, PENDING, READY, RUN, runCount } from '../src/threads/protocol.js';
import * as spawn from '../src/threads/spawn.js';
import { MIN_ELEMENTS_PER_THREAD, ThreadedRunner } from '../src/threads/threaded-runner.js';
import { ROW_KERNELS } from '../src/wasm/abi.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { embeddedBytes, instantiateKernelsSync } from '../src/wasm/instantiate.js';
import { withSharedMemory } from '../src/wasm/shared-module.js';

// A pool of `size` threads over a small shared memory of its own (2 MiB).
function poolAndHeap(size = 2, cores = 2) {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 32, shared: true });
  const { module, kernels } = instantiateKernelsSync(withSharedMemory(embeddedBytes(), 65536), memory);
  const heap = new WasmHeap(memory);
  return { pool: new ThreadPool(module, memory, heap, kernels, size, cores), heap, kernels, memory };
}
const smallPool = (size = 2, cores = 2) => poolAndHeap(size, cores).pool;
const internals = (p: ThreadPool) => p as unknown as { i32: Int32Array };
const fine = { op: 'normalize' as const, args: [4096, 4096, 4, 4, 1, 64, 64, 64, 0] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Polls until ready() or the time is up; whether it became ready.
async function waitUntil(ready: () => boolean, ms: number): Promise<boolean> {
  for (const t0 = performance.now(); !ready(); await sleep(5)) if (performance.now() - t0 > ms) return false;
  return true;
}

// Workers that do nothing: each records what it is sent and whether it was terminated.
type Mute = { messages: Record<string, unknown>[]; terminated: boolean; onError: (e: unknown) => void };
function muteWorkers(): Mute[] {
  const made: Mute[] = [];
  vi.spyOn(spawn, 'spawnWorker').mockImplementation((onError) => {
    const w: Mute = { messages: [], terminated: false, onError };
    made.push(w);
    return { postMessage: (m) => w.messages.push(m as Record<string, unknown>), terminate: () => { w.terminated = true; } };
  });
  return made;
}

// Date.now() under the test's control: the time at the start, plus what the test sets.
function controlledClock(): { set(ms: number): void } {
  const t0 = Date.now();
  let offset = 0;
  vi.spyOn(Date, 'now').mockImplementation(() => t0 + offset);
  return { set: (ms) => { offset = ms; } };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('starting the workers', () => {
  it('each worker is sent the module, the memory, the control block, its index and the run it belongs to', () => {
    const made = muteWorkers();
    const p = smallPool(3, 4);
    p.start();
    p.start(); // running: starts nothing more
    expect(made).toHaveLength(2);
    const run = Atomics.load(internals(p).i32, RUN);
    made.forEach((w, i) => {
      expect(w.messages).toHaveLength(1);
      expect(w.messages[0]).toMatchObject({ index: i + 1, run, countBase: runCount(run, 0), spinMs: 0.05 });
      expect(w.messages[0].memory).toBeInstanceOf(WebAssembly.Memory);
      expect(w.messages[0].module).toBeInstanceOf(WebAssembly.Module);
    });
    expect(p.running).toBe(true);
    expect(p.ready).toBe(false); // none has reported
    p.shutdown();
    expect(made.every((w) => w.terminated)).toBe(true);
  });

  it('workers spin before they sleep only where every thread has a core of its own', () => {
    const made = muteWorkers();
    for (const [size, cores, spinMs] of [[2, 2, 0.05], [3, 2, 0], [2, 8, 0.05]]) {
      const p = smallPool(size, cores);
      p.start();
      expect(made.at(-1)!.messages[0].spinMs, `${size} threads on ${cores} cores`).toBe(spinMs);
      p.shutdown();
    }
  });

  it('ready once every worker of the current run has counted itself in', async () => {
    muteWorkers();
    const p = smallPool(3, 4);
    const ready = p.whenReady();
    const { i32 } = internals(p);
    const run = Atomics.load(i32, RUN);
    Atomics.store(i32, READY, runCount(run, 1));
    await sleep(20);
    expect(p.ready).toBe(false); // one of two
    Atomics.store(i32, READY, runCount(run + 1, 2)); // two, but of another run
    await sleep(20);
    expect(p.ready).toBe(false);
    Atomics.store(i32, READY, runCount(run, 2));
    await ready;
    expect(p.ready).toBe(true);
    p.shutdown();
    expect(p.ready).toBe(false);
  });

  it('workers that never report: the wait gives up after 15 s, shuts the pool down and says why', async () => {
    const made = muteWorkers();
    const p = smallPool();
    const clock = controlledClock();
    const ready = p.whenReady();
    clock.set(15_001);
    const e = await ready.catch((x) => x);
    expect(e).toEqual(new Error('batchnorm-wasm: the worker threads could not start (they did not start within 15 s)'));
    expect(p.running).toBe(false);
    expect(made[0].terminated).toBe(true);
  });

  it('does not give up before the 15 s', async () => {
    muteWorkers();
    const p = smallPool();
    const clock = controlledClock();
    let settled = false;
    const ready = p.whenReady().finally(() => { settled = true; });
    clock.set(14_999);
    await sleep(300);
    expect(settled).toBe(false);
    Atomics.store(internals(p).i32, READY, runCount(Atomics.load(internals(p).i32, RUN), 1));
    await ready;
    p.shutdown();
  });

  it('a worker that fails to start: the wait ends at once with its error, and the pool is shut down', async () => {
    const made = muteWorkers();
    const p = smallPool();
    controlledClock(); // the clock stands still: only the error can end the wait
    const ready = p.whenReady();
    made[0].onError('the worker script was refused');
    await expect(ready).rejects.toThrow(new Error('batchnorm-wasm: the worker threads could not start (a worker failed: the worker script was refused)'));
    expect(made[0].terminated).toBe(true);
    expect(p.running).toBe(false);
  });

  it('a shutdown() and a new start while a wait for the workers goes on: that wait ends, the new run stands', async () => {
    const made = muteWorkers();
    const p = smallPool();
    controlledClock();
    const first = p.whenReady();
    p.shutdown();
    p.start();
    await expect(first).rejects.toThrow('batchnorm-wasm: shutdown() ended the start of the worker threads; a new call starts them again');
    expect(p.running).toBe(true);
    expect(made[1].terminated).toBe(false);
    p.shutdown();
  });
});

describe('a step', () => {
  it('is checked before anything is written: too many jobs, a kernel the workers do not run, too many arguments', () => {
    muteWorkers();
    const p = smallPool();
    expect(() => p.run([fine, fine, fine])).toThrow(new RangeError('batchnorm-wasm: 3 jobs; expected at most 2, one a thread'));
    expect(() => p.run([{ op: 'mergeStats' as never, args: [] }])).toThrow(new Error(`batchnorm-wasm: mergeStats is not a row kernel the workers run (those are ${ROW_KERNELS.join(', ')})`));
    const many = { op: 'normalize' as const, args: new Array(ARGS_SLOTS - 1).fill(0) };
    expect(() => p.run([many])).toThrow(new RangeError(`batchnorm-wasm: a normalize job has ${ARGS_SLOTS - 1} arguments; the protocol holds ${ARGS_SLOTS - 2}`));
    expect(p.running).toBe(false); // no worker was started for a step that could not run
    expect(Atomics.load(internals(p).i32, PENDING)).toBe(0);
  });

  it('a worker that crashed outside its jobs: the next step says so', () => {
    const made = muteWorkers();
    const p = smallPool();
    p.start();
    made[0].onError(new Error('out of memory'));
    expect(() => p.run([fine, fine])).toThrow(new Error('batchnorm-wasm: a worker thread crashed: Error: out of memory'));
    p.shutdown();
  });

  it('a worker that never finishes: run() gives up after 60 s, shuts the pool down and can run again', () => {
    const made = muteWorkers();
    const p = smallPool();
    p.start();
    const t0 = Date.now();
    vi.spyOn(Date, 'now').mockReturnValueOnce(t0).mockReturnValue(t0 + 60_001); // the deadline, then past it
    expect(() => p.run([fine, fine])).toThrow(new Error('batchnorm-wasm: worker threads did not finish within 60 s; the pool was shut down'));
    expect(p.running).toBe(false);
    expect(p.busy).toBe(false);
    expect(made[0].terminated).toBe(true);
  });

  it('a worker that never finishes: runAsync() gives up after 60 s too', async () => {
    const made = muteWorkers();
    const p = smallPool();
    p.start();
    const clock = controlledClock();
    const call = p.runAsync([fine, fine]);
    expect(p.busy).toBe(true);
    await sleep(150);
    expect(p.busy).toBe(true); // still waiting
    clock.set(60_001);
    await expect(call).rejects.toThrow(new Error('batchnorm-wasm: worker threads did not finish within 60 s; the pool was shut down'));
    expect(p.busy).toBe(false);
    expect(made[0].terminated).toBe(true);
  });

  it('a step with no job for this thread runs the workers\' jobs only', () => {
    const p = smallPool();
    expect(() => p.run([null, fine])).not.toThrow();
    expect(() => p.run([null, { op: 'normalize', args: [1 << 22, 1 << 22, 64, 64, 1, 64, 64, 64, 0] }])).toThrow(/worker thread 1 failed/);
    p.shutdown();
  });

  it('shutdown() during an async step: the call waits for the workers to leave their jobs, then rejects', async () => {
    muteWorkers();
    const p = smallPool();
    p.start();
    const clock = controlledClock();
    const { i32 } = internals(p);
    const run = Atomics.load(i32, RUN);
    let settled = false;
    const call = p.runAsync([null, fine]).finally(() => { settled = true; });
    p.shutdown();
    await sleep(150);
    expect(settled).toBe(false); // the worker has not left
    Atomics.store(i32, EXITED, runCount(run, 1)); // now it has
    await expect(call).rejects.toThrow('batchnorm-wasm: shutdown() ended this call before the worker threads finished it; the layer is unchanged, and a new call starts the workers again');
    expect(p.running).toBe(false);
    // A worker that never leaves: the call ends 5 s later all the same.
    p.start();
    const stuck = p.runAsync([null, fine]);
    p.shutdown();
    await sleep(50);
    clock.set(5_001);
    await expect(stuck).rejects.toThrow(/shutdown\(\) ended this call/);
    expect(p.running).toBe(false);
  });

  it('shutdown() during a step wakes the sleeping workers, which leave and count themselves out', async () => {
    const p = smallPool();
    await p.whenReady();
    await sleep(50); // the worker sleeps in Atomics.wait for the next generation
    const { i32 } = internals(p);
    const run = Atomics.load(i32, RUN);
    const inner = p as unknown as { inFlight: boolean; ending: boolean };
    inner.inFlight = true; // as when an async step of another worker is still running
    p.shutdown();
    const left = await waitUntil(() => Atomics.load(i32, EXITED) === runCount(run, 1), 2000);
    inner.inFlight = false;
    inner.ending = false;
    p.shutdown();
    expect(left).toBe(true);
  });

  it('a second step while an async one is in flight is refused, and the first ends as it would', async () => {
    muteWorkers();
    const p = smallPool();
    p.start();
    const call = p.runAsync([fine, fine]);
    expect(() => p.run([fine])).toThrow('batchnorm-wasm: a threaded step is already running (the threaded runner runs other calls on one thread meanwhile)');
    Atomics.store(internals(p).i32, PENDING, 0); // the worker's share done
    Atomics.notify(internals(p).i32, PENDING);
    await call;
    expect(p.busy).toBe(false);
    p.shutdown();
  });
});

describe('platforms', () => {
  it('without Atomics.waitAsync, the waits poll: the workers start and async steps run', async () => {
    const waitAsync = Object.getOwnPropertyDescriptor(Atomics, 'waitAsync');
    Object.defineProperty(Atomics, 'waitAsync', { value: undefined, configurable: true, writable: true });
    try {
      const p = smallPool();
      await p.whenReady();
      await p.runAsync([fine, fine]);
      await expect(p.runAsync([fine, { op: 'normalize', args: [1 << 22, 1 << 22, 64, 64, 1, 64, 64, 64, 0] }])).rejects.toThrow(/worker thread 1 failed: .*out of bounds/);
      p.shutdown();
    } finally {
      if (waitAsync) Object.defineProperty(Atomics, 'waitAsync', waitAsync);
    }
  });

  it('without Atomics.waitAsync, a wait yields to the event loop between its polls', async () => {
    const waitAsync = Object.getOwnPropertyDescriptor(Atomics, 'waitAsync');
    Object.defineProperty(Atomics, 'waitAsync', { value: undefined, configurable: true, writable: true });
    try {
      muteWorkers();
      const p = smallPool();
      const ready = p.whenReady();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      await sleep(50);
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(2); // timers ran while the pool waited
      Atomics.store(internals(p).i32, READY, runCount(Atomics.load(internals(p).i32, RUN), 1));
      await ready;
      p.shutdown();
    } finally {
      if (waitAsync) Object.defineProperty(Atomics, 'waitAsync', waitAsync);
    }
  });

  it('an async wait keeps Node running (a pending waitAsync does not, and the workers are unref\'d), and lets go when it ends', async () => {
    muteWorkers();
    const p = smallPool();
    const set = vi.spyOn(globalThis, 'setInterval');
    const clear = vi.spyOn(globalThis, 'clearInterval');
    const ready = p.whenReady();
    expect(set).toHaveBeenCalledTimes(1);
    expect(clear).not.toHaveBeenCalled();
    Atomics.store(internals(p).i32, READY, runCount(Atomics.load(internals(p).i32, RUN), 1));
    await ready;
    expect(clear).toHaveBeenCalledWith(set.mock.results[0].value);
    p.shutdown();
  });

  it('where Atomics.wait throws (a browser\'s main thread), the pool may not block, and blocking steps run on this thread', () => {
    const made = muteWorkers();
    vi.spyOn(Atomics, 'wait').mockImplementation(() => { throw new TypeError('Atomics.wait cannot be called in this context'); });
    const p = smallPool();
    expect(p.canBlock).toBe(false);
    vi.mocked(Atomics.wait).mockRestore();
    const run = vi.spyOn(p, 'run');
    // Big enough to split: [256, 1024] in place at 64 KiB, in a memory of its own.
    const runner = new ThreadedRunner(p, instantiateKernelsSync(undefined, new WebAssembly.Memory({ initial: 32 })).kernels);
    expect(runner.run({ op: 'normalize', args: [65536, 65536, 256, 1024, 1, 0, 0, 0, 0, 0] })).toBe(1);
    expect(run).not.toHaveBeenCalled();
    expect(made).toHaveLength(0);
  });
});

describe('the threaded runner', () => {
  // An inference step over [N, C] in place, in the pool's memory (gamma 1, beta 0, mean 0: y = x).
  function runnerAndStep(size: number, cores = size) {
    const { pool, heap, kernels } = poolAndHeap(size, cores);
    const runner = new ThreadedRunner(pool, kernels);
    const params = heap.alloc(1024 * 4);
    const data = heap.alloc(256 * 1024 * 4);
    const step = (N: number, C: number) => ({ op: 'normalize', args: [data, data, N, C, 1, params, params, params, 0, 0] });
    return { pool, runner, step };
  }

  it(`splits a step into one share a thread, at most one a row, at least ${MIN_ELEMENTS_PER_THREAD} elements each`, async () => {
    const { pool, runner, step } = runnerAndStep(3, 4);
    expect(runner.maxShares).toBe(3);
    await pool.whenReady();
    for (const [N, C, shares] of [[256, 1024, 3], [128, 1024, 2], [127, 1024, 1], [64, 1024, 1], [2, 65536, 2], [1, 200_000, 1]]) {
      expect(runner.run(step(N, C)), `[${N}, ${C}]`).toBe(shares);
      expect(await runner.runAsync(step(N, C)), `[${N}, ${C}] async`).toBe(shares);
    }
    runner.shutdown();
    expect(pool.running).toBe(false);
  });

  it('while another call holds the workers, a step runs on this thread', async () => {
    const { pool, runner, step } = runnerAndStep(2);
    await pool.whenReady();
    vi.spyOn(pool, 'busy', 'get').mockReturnValue(true);
    expect(runner.run(step(256, 1024))).toBe(1);
    expect(await runner.runAsync(step(256, 1024))).toBe(1);
    pool.shutdown();
  });

  it('an async step waits for the workers to start, then splits', async () => {
    const { pool, runner, step } = runnerAndStep(2);
    expect(pool.running).toBe(false);
    expect(await runner.runAsync(step(256, 1024))).toBe(2);
    pool.shutdown();
  });

  it("where workers cannot start while this thread blocks (a browser Worker's), a blocking step starts them and runs on this thread until they are ready", async () => {
    const { pool, runner, step } = runnerAndStep(2);
    Object.defineProperty(pool, 'startsWhileBlocked', { value: false });
    expect(runner.run(step(256, 1024))).toBe(1);
    expect(pool.running).toBe(true); // started by that call
    await pool.whenReady();
    expect(runner.run(step(256, 1024))).toBe(2);
    pool.shutdown();
  });

  it('a step too small to split starts no workers, blocking or async', async () => {
    const { pool, runner, step } = runnerAndStep(2);
    Object.defineProperty(pool, 'startsWhileBlocked', { value: false });
    expect(runner.run(step(4, 1024))).toBe(1);
    expect(await runner.runAsync(step(4, 1024))).toBe(1);
    expect(pool.running).toBe(false);
  });

  it('an async step dispatches nothing before the workers are ready, and counts the threads again after', async () => {
    muteWorkers();
    const { pool, runner, step } = runnerAndStep(2);
    const { i32 } = internals(pool);
    const gen = Atomics.load(i32, GEN);
    const call = runner.runAsync(step(256, 1024));
    await sleep(50);
    expect(Atomics.load(i32, GEN)).toBe(gen); // not dispatched: the workers have not reported
    Atomics.store(i32, READY, runCount(Atomics.load(i32, RUN), 1));
    expect(await waitUntil(() => Atomics.load(i32, GEN) !== gen, 2000)).toBe(true);
    Atomics.store(i32, PENDING, 0); // the worker's share done
    Atomics.notify(i32, PENDING);
    expect(await call).toBe(2);
    // Another call takes the workers while this one waits for them: this one runs on this thread.
    pool.shutdown();
    const later = runner.runAsync(step(256, 1024));
    vi.spyOn(pool, 'busy', 'get').mockReturnValue(true);
    Atomics.store(i32, READY, runCount(Atomics.load(i32, RUN), 1));
    expect(await later).toBe(1);
    pool.shutdown();
  });

  it('where workers start while this thread blocks (Node), a blocking step starts them and splits at once', () => {
    const { pool, runner, step } = runnerAndStep(2);
    expect(pool.startsWhileBlocked).toBe(true);
    expect(runner.run(step(256, 1024))).toBe(2);
    pool.shutdown();
  });
});
