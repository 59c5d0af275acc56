// Starting a worker thread: worker_threads in Node (found without a static import of a
// Node built-in, so browser bundles stay clean), a classic Worker from a Blob elsewhere.
import { workerSource } from './worker-source.js';

export interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): void;
}

type NodeWorkerThreads = {
  Worker: new (code: string, options: { eval: true }) => WorkerHandle & { unref(): void; on(event: 'error', fn: (e: Error) => void): void };
};

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined) ?? null;
}

let blobUrl: string | null = null;

/** A new worker running workerSource; onError hears of crashes outside its job loop. */
export function spawnWorker(onError: (error: unknown) => void): WorkerHandle {
  const node = nodeWorkerThreads();
  if (node) {
    const worker = new node.Worker(workerSource, { eval: true });
    worker.unref(); // a process that used threads exits when the user's code is done
    worker.on('error', onError);
    return worker;
  }
  if (typeof Worker !== 'function') throw new Error('batchnorm-wasm: this platform has no worker threads');
  blobUrl ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const worker = new Worker(blobUrl);
  worker.onerror = (e) => onError(e.message);
  return worker;
}

/** Whether a worker started here runs while this thread blocks: Node's do (their own event loops). */
export function workersStartWhileBlocked(): boolean {
  return nodeWorkerThreads() !== null;
}

/** Worker threads are startable here: Node, or a cross-origin isolated browser context. */
export function canSpawnWorkers(): boolean {
  if (nodeWorkerThreads()) return true;
  return typeof Worker === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** The hardware threads available, for threads: 'auto'. */
export function hardwareThreads(): number {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as
    { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}
