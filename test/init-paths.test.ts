// src/init.ts beyond init.test.ts: each option's message, the fallback when the platform
// refuses to compile the shipped module (a Content-Security-Policy without 'wasm-unsafe-eval'),
// what initSync answers after init, and the messages of a Wasm layer made too early. Each test
// imports a fresh copy of the library, so that the module-level state starts empty.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hideWasmSimd } from './helpers/no-simd.js';
import { expectThrows } from './helpers/throws.js';

type Lib = typeof import('../src/index.js');

async function freshLibrary(): Promise<Lib> {
  vi.resetModules();
  return import('../src/index.js');
}

afterEach(() => {
  vi.restoreAllMocks();
});

const notWasm = () => new Uint8Array([1, 2, 3]); // bytes that do not compile
const newLayerBackend = (lib: Lib) => new lib.BatchNormalization([1], [0]).backend;

// A platform where workers cannot start (a page that is not cross-origin isolated): each test
// that calls it imports its library afterwards, and undoes it with vi.doUnmock.
function withoutWorkers(): void {
  vi.resetModules();
  vi.doMock('../src/threads/spawn.js', async (original) => ({
    ...(await original<typeof import('../src/threads/spawn.js')>()),
    canSpawnWorkers: () => false,
  }));
}

describe('options', () => {
  it('each refusal names the function, the option, what it takes and what came', async () => {
    const lib = await freshLibrary();
    expectThrows(() => lib.init(null as never), TypeError, 'init(options): options must be an object; got null');
    expectThrows(() => lib.init('wasm' as never), TypeError, 'init(options): options must be an object; got string');
    expectThrows(() => lib.initSync(1 as never), TypeError, 'initSync(options): options must be an object; got number');
    expectThrows(() => lib.init({ backend: 'gpu' as never }), RangeError, 'init(options): options.backend must be \'wasm\' or \'js\'; got "gpu"');
    expectThrows(() => lib.init({ threads: 0 }), RangeError, "init(options): options.threads must be an integer from 1 to 1024 or 'auto'; got 0");
    expectThrows(() => lib.init({ threads: 1025 }), RangeError, "init(options): options.threads must be an integer from 1 to 1024 or 'auto'; got 1025");
    expectThrows(() => lib.initSync({ threads: 2 } as never), TypeError, 'initSync(options): options.threads needs the async init() (starting workers is asynchronous)');
    expectThrows(() => lib.initSync({ wasm: new URL('http://example.invalid/bn.wasm') } as never), TypeError,
      'initSync(options): options.wasm must be bytes or a WebAssembly.Module (a URL needs the async init())');
    expectThrows(() => lib.init({ thread: 2 } as never), RangeError, 'init(options): options has no key "thread"; did you mean threads? (options takes backend, wasm, threads)');
    expect(lib.wasmMemoryInfo()).toBeNull(); // nothing was loaded
  });

  it("takes backend 'wasm', threads 'auto' and 1024 (here without Wasm SIMD, so the answer is the JS fallback and no worker starts)", async () => {
    hideWasmSimd();
    const lib = await freshLibrary();
    const fallback = { backend: 'js', simd: false };
    expect(lib.initSync({ backend: 'wasm' })).toEqual(fallback);
    expect(await lib.init({ backend: 'wasm' })).toEqual(fallback);
    expect(await lib.init({ threads: 'auto' })).toEqual(fallback);
    expect(await lib.init({ threads: 1024 })).toEqual(fallback);
    expect(lib.wasmMemoryInfo()).toBeNull();
  });

  it('takes the ends of the thread count and undefined options', async () => {
    const lib = await freshLibrary();
    expect(await lib.init({ threads: 1 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
    expect(await lib.init(undefined)).toEqual({ backend: 'wasm', simd: true });
    expect(lib.initSync({})).toEqual({ backend: 'wasm', simd: true });
  });
});

describe('init({ threads })', () => {
  it('threads: 1 is init() with the same wasm option: bytes that do not compile reject, and a retry loads', async () => {
    const lib = await freshLibrary();
    await expect(lib.init({ threads: 1, wasm: notWasm() })).rejects.toThrow(WebAssembly.CompileError);
    expect(await lib.init({ threads: 1 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
  });

  it('threads: 1 needs no workers: where they cannot start it loads without a warning', async () => {
    withoutWorkers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const lib: Lib = await import('../src/index.js');
      expect(await lib.init({ threads: 1 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      vi.doUnmock('../src/threads/spawn.js');
    }
  });

  it("where workers cannot start, threads: 2 warns once and runs as init() does, with its wasm option, on a memory that is not shared", async () => {
    withoutWorkers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const lib: Lib = await import('../src/index.js');
      await expect(lib.init({ threads: 2, wasm: notWasm() })).rejects.toThrow(WebAssembly.CompileError);
      expect(await lib.init({ threads: 2 })).toEqual({ backend: 'wasm', simd: true, threads: 1 }); // a failed call may be retried
      expect(warn.mock.calls).toEqual([['batchnorm-wasm: threads need Node or a cross-origin isolated page (COOP/COEP headers); running single-threaded']]);
      const t = lib.allocTensor([4]);
      expect(t.data.buffer).toBeInstanceOf(ArrayBuffer); // not a SharedArrayBuffer: the memory of init()
      t.dispose();
    } finally {
      vi.doUnmock('../src/threads/spawn.js');
    }
  });

  it('a wasm option that does not compile rejects (no fallback) and may be retried; repeated calls share one promise and make Wasm the default again; init() keeps its promise', async () => {
    const lib = await freshLibrary();
    const single = lib.init();
    await single;
    await expect(lib.init({ threads: 2, wasm: notWasm() })).rejects.toThrow(WebAssembly.CompileError);
    try {
      const threaded = lib.init({ threads: 2 });
      expect(await threaded).toEqual({ backend: 'wasm', simd: true, threads: 2 });
      await lib.init({ backend: 'js' });
      expect(newLayerBackend(lib)).toBe('js');
      expect(lib.init({ threads: 2 })).toBe(threaded);
      expect(newLayerBackend(lib)).toBe('wasm');
      expect(lib.init()).toBe(single);
    } finally {
      lib.shutdown();
    }
  });

  it('shutdown() without threads, or before init, does nothing', async () => {
    const lib = await freshLibrary();
    expect(lib.shutdown()).toBeUndefined();
    lib.initSync();
    expect(lib.shutdown()).toBeUndefined();
    expect(newLayerBackend(lib)).toBe('wasm');
  });
});

describe('backends', () => {
  it("init() and init({ backend: 'js' }) each make their backend the default again, also when their promise has settled", async () => {
    const lib = await freshLibrary();
    await lib.init({ backend: 'js' });
    expect(newLayerBackend(lib)).toBe('js');
    await lib.init();
    expect(newLayerBackend(lib)).toBe('wasm');
    await lib.init({ backend: 'js' });
    expect(newLayerBackend(lib)).toBe('js');
    await lib.init();
    expect(newLayerBackend(lib)).toBe('wasm');
  });

  it('initSync while init() loads, or after it, keeps one runtime: a tensor allocated stays counted in wasmMemoryInfo()', async () => {
    const lib = await freshLibrary();
    const loading = lib.init();
    expect(lib.initSync()).toEqual({ backend: 'wasm', simd: true });
    const t = lib.allocTensor([4]);
    const inUse = lib.wasmMemoryInfo()!.bytesInUse;
    expect(inUse).toBeGreaterThanOrEqual(16);
    expect(await loading).toEqual({ backend: 'wasm', simd: true });
    expect(lib.wasmMemoryInfo()!.bytesInUse).toBe(inUse);
    expect(lib.initSync()).toEqual({ backend: 'wasm', simd: true });
    expect(lib.wasmMemoryInfo()!.bytesInUse).toBe(inUse);
    t.dispose();
  });

  it('initSync without Wasm SIMD, as the first call, answers the JS fallback; init() then answers the same', async () => {
    hideWasmSimd();
    const lib = await freshLibrary();
    expect(lib.initSync()).toEqual({ backend: 'js', simd: false });
    expect(newLayerBackend(lib)).toBe('js');
    expect(await lib.init()).toEqual({ backend: 'js', simd: false });
    expect(lib.wasmMemoryInfo()).toBeNull();
  });

  it("init({ backend: 'js' }) twice answers one promise, and its info says whether SIMD exists", async () => {
    const lib = await freshLibrary();
    const a = lib.init({ backend: 'js' });
    expect(lib.init({ backend: 'js' })).toBe(a);
    expect(await a).toEqual({ backend: 'js', simd: true });
    expect(lib.initSync({ backend: 'js' })).toEqual({ backend: 'js', simd: true });
  });

  it('initSync after init answers what init loaded, and makes its backend the default again', async () => {
    const lib = await freshLibrary();
    await lib.init();
    lib.initSync({ backend: 'js' });
    expect(new lib.BatchNormalization([1], [0]).backend).toBe('js');
    expect(lib.initSync()).toEqual({ backend: 'wasm', simd: true });
    expect(new lib.BatchNormalization([1], [0]).backend).toBe('wasm');
    expect(lib.wasmMemoryInfo()).toEqual({ byteLength: expect.any(Number), bytesInUse: expect.any(Number) });
  });

  it('where the platform refuses to compile the shipped module, init falls back to JS, says why, and reports SIMD', async () => {
    const lib = await freshLibrary();
    const refusal = new Error('WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module');
    vi.spyOn(WebAssembly, 'instantiate').mockRejectedValue(refusal);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await lib.init()).toEqual({ backend: 'js', simd: true });
    expect(warn).toHaveBeenCalledWith(`batchnorm-wasm: compiling the Wasm kernels was refused (${String(refusal)}); using the JS backend. Under a Content-Security-Policy, allow 'wasm-unsafe-eval' in script-src.`);
    expect(new lib.BatchNormalization([1], [0]).backend).toBe('js');
    expectThrows(() => new lib.BatchNormalization([1], [0], 0.9, null, null, { backend: 'wasm' }), Error,
      "new BatchNormalization: the Wasm backend is unavailable here (no WebAssembly SIMD); use { backend: 'js' }");
    expect(await lib.init()).toEqual({ backend: 'js', simd: true }); // the answer stays
  });

  it('a Wasm layer or tensor before any init names itself and says what to do', async () => {
    const lib = await freshLibrary();
    expectThrows(() => new lib.BatchNormalization([1], [0]), Error,
      'new BatchNormalization: the Wasm backend is not loaded yet; call `await init()` (or initSync()) first, or pass { backend: \'js\' }');
    expectThrows(() => lib.allocTensor([1]), Error,
      'allocTensor: the Wasm backend is not loaded yet; call `await init()` (or initSync()) first, or pass { backend: \'js\' }');
  });
});
