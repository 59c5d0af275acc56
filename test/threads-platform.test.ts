// How the threads find their platform (src/threads/spawn.ts, threadCount in setup.ts): Node's
// worker_threads, else a browser's Worker from a Blob URL; the thread count for 'auto'; one
// thread, said once, where no worker can start. Node's built-ins are hidden or replaced through
// process.getBuiltinModule, which is how the code finds them; the real workers are tested in
// threads.test.ts and in the browsers.
import { resolveObjectURL } from 'node:buffer';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';

type Spawn = typeof import('../src/threads/spawn.js');
type Setup = typeof import('../src/threads/setup.js');

// Fresh copies: spawn.ts keeps its Blob URL and setup.ts its warning in module state.
async function fresh(): Promise<{ spawn: Spawn; setup: Setup }> {
  vi.resetModules();
  return { spawn: await import('../src/threads/spawn.js'), setup: await import('../src/threads/setup.js') };
}

const builtin = process.getBuiltinModule.bind(process);
// process.getBuiltinModule with some modules replaced (undefined: not there, as in a browser).
function replaceBuiltins(replaced: Record<string, unknown>): void {
  vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => (id in replaced ? replaced[id] : builtin(id))) as typeof process.getBuiltinModule);
}

// A browser's Worker: records what it was made with.
class FakeWorker {
  static made: FakeWorker[] = [];
  onerror: ((e: { message: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWorker.made.push(this);
  }
  postMessage(): void {}
  terminate(): void {}
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  FakeWorker.made = [];
});

describe('Node', () => {
  it('workers start from worker_threads, also while this thread blocks; auto is the available parallelism', async () => {
    const { spawn, setup } = await fresh();
    expect(spawn.canSpawnWorkers()).toBe(true);
    expect(spawn.workersStartWhileBlocked()).toBe(true);
    expect(spawn.hardwareThreads()).toBe(availableParallelism());
    expect(setup.threadCount('auto')).toBe(Math.min(1024, availableParallelism()));
    expect(setup.threadCount(3)).toBe(3); // a count given is taken as it is, also past the cores
  });

  it('a worker is made from the worker source as eval code, unref\'d, its errors reported', async () => {
    const made: { code: string; options: unknown; unref: number; listeners: Map<string, (e: Error) => void> }[] = [];
    class NodeWorker {
      record = { code: '', options: undefined as unknown, unref: 0, listeners: new Map<string, (e: Error) => void>() };
      constructor(code: string, options: unknown) {
        Object.assign(this.record, { code, options });
        made.push(this.record);
      }
      unref() { this.record.unref++; }
      on(event: string, fn: (e: Error) => void) { this.record.listeners.set(event, fn); }
      postMessage() {}
      terminate() {}
    }
    replaceBuiltins({ 'node:worker_threads': { Worker: NodeWorker } });
    const { spawn } = await fresh();
    const { workerSource } = await import('../src/threads/worker-source.js');
    const errors: unknown[] = [];
    spawn.spawnWorker((e) => errors.push(e));
    expect(made).toHaveLength(1);
    expect(made[0].code).toBe(workerSource);
    expect(made[0].options).toEqual({ eval: true });
    expect(made[0].unref).toBe(1); // a process that used threads exits when its own code is done
    const crash = new Error('worker crashed');
    made[0].listeners.get('error')!(crash);
    expect(errors).toEqual([crash]);
  });

  it("'auto' is at least 1 and at most 1024, the most init() accepts", async () => {
    for (const [cores, expected] of [[0, 1], [1, 1], [6, 6], [1024, 1024], [5000, 1024]]) {
      replaceBuiltins({ 'node:os': { availableParallelism: () => cores, cpus: () => [] } });
      const { setup } = await fresh();
      expect(setup.threadCount('auto'), `${cores} cores`).toBe(expected);
      vi.restoreAllMocks();
    }
  });

  it('without os.availableParallelism (before Node 18.14), the count of os.cpus()', async () => {
    replaceBuiltins({ 'node:os': { cpus: () => [{}, {}, {}] } });
    const { spawn } = await fresh();
    expect(spawn.hardwareThreads()).toBe(3);
  });
});

describe('without worker_threads (a browser)', () => {
  it('a Worker from one Blob URL of the worker source, its error events reported by message', async () => {
    replaceBuiltins({ 'node:worker_threads': undefined });
    vi.stubGlobal('Worker', FakeWorker);
    const { spawn } = await fresh();
    const { workerSource } = await import('../src/threads/worker-source.js');
    expect(spawn.workersStartWhileBlocked()).toBe(false); // a browser Worker's own workers do not
    const errors: unknown[] = [];
    spawn.spawnWorker((e) => errors.push(e));
    spawn.spawnWorker(() => {});
    const [a, b] = FakeWorker.made;
    expect(b.url).toBe(a.url); // one URL for every worker
    const blob = resolveObjectURL(a.url)!;
    expect(blob.type).toBe('text/javascript');
    expect(await blob.text()).toBe(workerSource);
    a.onerror!({ message: 'SyntaxError: refused' });
    expect(errors).toEqual(['SyntaxError: refused']);
  });

  it('workers start only in a cross-origin isolated context', async () => {
    replaceBuiltins({ 'node:worker_threads': undefined });
    vi.stubGlobal('Worker', FakeWorker);
    const { spawn } = await fresh();
    vi.stubGlobal('crossOriginIsolated', false);
    expect(spawn.canSpawnWorkers()).toBe(false);
    vi.stubGlobal('crossOriginIsolated', true);
    expect(spawn.canSpawnWorkers()).toBe(true);
  });

  it('with no Worker at all, spawning says so and nothing can start', async () => {
    replaceBuiltins({ 'node:worker_threads': undefined });
    vi.stubGlobal('Worker', undefined);
    vi.stubGlobal('crossOriginIsolated', true);
    const { spawn } = await fresh();
    expect(spawn.canSpawnWorkers()).toBe(false);
    expect(() => spawn.spawnWorker(() => {})).toThrow(new Error('batchnorm-wasm: this platform has no worker threads'));
  });

  it('hardware threads: navigator.hardwareConcurrency, else 1', async () => {
    replaceBuiltins({ 'node:os': undefined });
    vi.stubGlobal('navigator', { hardwareConcurrency: 12 });
    const { spawn } = await fresh();
    expect(spawn.hardwareThreads()).toBe(12);
    vi.stubGlobal('navigator', {});
    expect(spawn.hardwareThreads()).toBe(1);
    vi.stubGlobal('navigator', undefined);
    expect(spawn.hardwareThreads()).toBe(1);
  });

  it('init({ threads }) runs on one thread where none can start, and warns once', async () => {
    replaceBuiltins({ 'node:worker_threads': undefined });
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('crossOriginIsolated', false);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { setup } = await fresh();
    expect(setup.threadCount(4)).toBe(1);
    expect(setup.threadCount('auto')).toBe(1);
    expect(warn.mock.calls).toEqual([['batchnorm-wasm: threads need Node or a cross-origin isolated page (COOP/COEP headers); running single-threaded']]);
    expect(FakeWorker.made).toHaveLength(0);
  });
});
