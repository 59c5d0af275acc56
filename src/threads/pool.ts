// A pool of worker threads over one shared Wasm memory. The main thread is thread 0: it
// hands each worker a job through the control block (protocol.ts), runs its own share,
// and waits for the rest (Atomics.wait where this thread may block, Atomics.waitAsync
// or polling where it may not). Workers start with init({ threads }) (setup.ts), end on
// shutdown() or with the last layer, and start again with the next split step.
import type { KernelExports } from '../wasm/abi.js';
import type { WasmHeap } from '../wasm/heap.js';
import {
  ARGS_OFFSET, ARGS_SLOTS, blockBytes, ERROR, EXITED, GEN, jobHeader, MSG_CHARS, MSG_LEN, MSG_OFFSET, PENDING, READY, RUN, runCount, type OpName,
} from './protocol.js';
import { spawnWorker, workersStartWhileBlocked, type WorkerHandle } from './spawn.js';

/** One thread's share of a step: a kernel and its arguments, or null for nothing. */
export type Job = { op: OpName; args: number[] } | null;

// How long a wait may last before the pool gives up on its workers (a worker that died
// outside its job loop never answers).
const STALL_MS = 60_000;
// How long starting the workers may take: a worker whose script is refused never reports.
const START_MS = 15_000;
// How long a shutdown waits for the workers to leave their jobs before it terminates them.
const EXIT_MS = 5_000;

type WaitAsync = (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: unknown };

// Waits until slot `at` of i32 holds `value`, yielding to the event loop; false past the deadline.
async function waitFor(i32: Int32Array, at: number, value: number, deadline: number, failed?: () => boolean): Promise<boolean> {
  const waitAsync = (Atomics as { waitAsync?: WaitAsync }).waitAsync;
  // A pending waitAsync does not keep Node's event loop alive (the workers are unref'd): a timer does.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    for (let v = Atomics.load(i32, at); v !== value; v = Atomics.load(i32, at)) {
      if (Date.now() > deadline || failed?.()) return false;
      const w = waitAsync?.(i32, at, v, 100);
      if (w?.async) await w.value;
      else if (!w) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return true;
  } finally {
    clearInterval(keepAlive);
  }
}
// How long a waiting thread polls before it sleeps in Atomics.wait: waking from the sleep
// took ~50 us per step here (bench/threads.mjs), polling a few. Only where every thread has
// a core of its own: with more threads than cores, spinning steals time from the work.
const SPIN_MS = 0.05;

function canBlockHere(i32: Int32Array): boolean {
  try {
    Atomics.wait(i32, READY, 0, 0); // returns at once ('timed-out' or 'not-equal') where waiting is allowed
    return true;
  } catch {
    return false; // a browser's main thread
  }
}

export class ThreadPool {
  /** Threads including the calling one. */
  readonly size: number;
  /** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
  readonly canBlock: boolean;
  /**
   * Whether new workers start while this thread blocks (Node's do). A browser Worker's own
   * workers do not: blocking before they report ready would wait for ever, so blocking
   * calls run on this thread alone until they have.
   */
  readonly startsWhileBlocked: boolean;
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: KernelExports;
  private readonly ctl: number;
  private readonly i32: Int32Array;
  private workers: WorkerHandle[] = [];
  private runId = 0; // the RUN of the workers started last
  private crash: unknown = null;
  private inFlight = false;
  private ending = false; // shutdown() came while an async step was in flight

  private readonly spinMs: number;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, heap: WasmHeap, kernels: KernelExports, size: number, cores: number) {
    this.module = module;
    this.memory = memory;
    this.kernels = kernels;
    this.size = size;
    this.spinMs = size <= cores ? SPIN_MS : 0;
    this.ctl = heap.alloc(blockBytes(size));
    // The block never moves, and a grow keeps this view valid. Not cleared: start() and each
    // step write every word before it is read, and GEN and RUN may start anywhere.
    this.i32 = new Int32Array(memory.buffer, this.ctl, 8);
    this.canBlock = canBlockHere(this.i32);
    this.startsWhileBlocked = workersStartWhileBlocked();
  }

  get running(): boolean {
    return this.workers.length > 0;
  }

  /** Every worker has started (a worker whose kernels failed to instantiate reports that in each job) and waits for jobs. */
  get ready(): boolean {
    return this.running && Atomics.load(this.i32, READY) === runCount(this.runId, this.size - 1);
  }

  /** Starts the workers (when they are not running) and resolves once they are ready. */
  async whenReady(): Promise<void> {
    this.start();
    const run = this.runId;
    const ended = () => !this.running || this.runId !== run;
    if (await waitFor(this.i32, READY, runCount(run, this.size - 1), Date.now() + START_MS, () => this.crash !== null || ended())) return;
    if (ended()) throw new Error('batchnorm-wasm: shutdown() ended the start of the worker threads; a new call starts them again');
    const why = this.crash ? `a worker failed: ${String(this.crash)}` : `they did not start within ${START_MS / 1000} s`;
    this.shutdown();
    throw new Error(`batchnorm-wasm: the worker threads could not start (${why})`);
  }

  /** A step is in flight (an async call of some layer awaits the workers). */
  get busy(): boolean {
    return this.inFlight;
  }

  /** Starts the workers if they are not running; they report ready on their own. */
  start(): void {
    if (this.running) return;
    // Workers of an earlier run may not have stopped yet (terminate() is not immediate):
    // the run number, bumped by every shutdown(), keeps them out of this one.
    const run = (this.runId = Atomics.load(this.i32, RUN));
    Atomics.store(this.i32, READY, runCount(run, 0));
    Atomics.store(this.i32, EXITED, runCount(run, 0));
    // A failure in a job that shutdown() or a stall abandoned was never settled: not this run's.
    // (MSG_LEN is written with each failure's message.)
    Atomics.store(this.i32, ERROR, 0);
    const gen = Atomics.load(this.i32, GEN);
    const message = { module: this.module, memory: this.memory, ctl: this.ctl, gen, run, countBase: runCount(run, 0), spinMs: this.spinMs };
    for (let index = 1; index < this.size; index++) {
      const worker = spawnWorker((error) => { this.crash ??= error; });
      worker.postMessage({ ...message, index });
      this.workers.push(worker);
    }
  }

  // Writes the workers' jobs and wakes them; returns the main thread's own job.
  private dispatch(jobs: readonly Job[]): Job {
    if (this.inFlight) throw new Error('batchnorm-wasm: a threaded step is already running (the threaded runner runs other calls on one thread meanwhile)');
    if (this.crash) throw new Error(`batchnorm-wasm: a worker thread crashed: ${String(this.crash)}`);
    if (jobs.length > this.size) throw new RangeError(`batchnorm-wasm: ${jobs.length} jobs; expected at most ${this.size}, one a thread`);
    const codes = jobs.map((job) => (job ? jobHeader(job.op, job.args.length) : 0)); // throws before anything is written
    this.start(); // when not running
    this.inFlight = true;
    const f64 = new Float64Array(this.memory.buffer, this.ctl + ARGS_OFFSET, this.size * ARGS_SLOTS);
    for (let w = 1; w < this.size; w++) {
      const job = jobs[w] ?? null;
      const slot = w * ARGS_SLOTS;
      f64[slot] = codes[w] ?? 0;
      f64[slot + 1] = job ? job.args.length : 0;
      if (job) f64.set(job.args, slot + 2);
    }
    Atomics.store(this.i32, PENDING, this.size - 1);
    Atomics.add(this.i32, GEN, 1);
    Atomics.notify(this.i32, GEN);
    return jobs[0] ?? null;
  }

  private runOwn(job: Job): unknown {
    if (!job) return null;
    try {
      (this.kernels[job.op] as (...a: readonly number[]) => void)(...job.args);
      return null;
    } catch (error) {
      return error;
    }
  }

  // After all threads finished: the first failure, as an exception in the caller.
  private settle(own: unknown): void {
    this.inFlight = false;
    const failed = Atomics.load(this.i32, ERROR);
    if (failed) {
      const len = Atomics.load(this.i32, MSG_LEN);
      const text = String.fromCharCode(...new Uint16Array(this.memory.buffer, this.ctl + MSG_OFFSET, MSG_CHARS).subarray(0, len));
      Atomics.store(this.i32, ERROR, 0);
      throw new Error(`batchnorm-wasm: worker thread ${failed - 1} failed: ${text}`);
    }
    if (own) throw own;
  }

  /** Runs one step: jobs[t] on thread t, jobs[0] on this one. Blocks until all are done. */
  run(jobs: readonly Job[]): void {
    const own = this.runOwn(this.dispatch(jobs));
    const deadline = Date.now() + STALL_MS;
    for (const t0 = performance.now(); Atomics.load(this.i32, PENDING) !== 0 && performance.now() - t0 < this.spinMs;);
    for (let p = Atomics.load(this.i32, PENDING); p !== 0; p = Atomics.load(this.i32, PENDING)) {
      if (Date.now() > deadline) this.stalled();
      Atomics.wait(this.i32, PENDING, p, 1000);
    }
    this.settle(own);
  }

  /**
   * run() for threads that may not block: the wait yields to the event loop. A shutdown()
   * meanwhile ends the call as soon as the workers have left their jobs: it rejects then.
   */
  async runAsync(jobs: readonly Job[]): Promise<void> {
    const own = this.runOwn(this.dispatch(jobs));
    const deadline = Date.now() + STALL_MS;
    const done = await waitFor(this.i32, PENDING, 0, deadline, () => this.ending);
    if (this.ending) {
      // The workers finish the job they are in, then leave; once all have, none writes any more.
      await waitFor(this.i32, EXITED, runCount(this.runId, this.workers.length), Date.now() + EXIT_MS);
      this.inFlight = false;
      this.ending = false;
      this.shutdown();
      throw new Error('batchnorm-wasm: shutdown() ended this call before the worker threads finished it; the layer is unchanged, and a new call starts the workers again');
    }
    if (!done) this.stalled();
    this.settle(own);
  }

  private stalled(): never {
    this.inFlight = false;
    this.shutdown();
    throw new Error(`batchnorm-wasm: worker threads did not finish within ${STALL_MS / 1000} s; the pool was shut down`);
  }

  /** Ends the workers; the next run starts new ones. An async step in flight is ended (see runAsync). */
  shutdown(): void {
    if (!this.running) return;
    Atomics.add(this.i32, RUN, 1);
    Atomics.add(this.i32, GEN, 1);
    Atomics.notify(this.i32, GEN);
    if (this.inFlight) {
      this.ending = true; // the waiting runAsync terminates the workers once they have left
      Atomics.notify(this.i32, PENDING);
      return;
    }
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.crash = null;
  }
}
