// src/init.ts beyond init.test.ts: each option's message, the fallback when the platform
// refuses to compile the shipped module (a Content-Security-Policy without 'wasm-unsafe-eval'),
// what initSync answers after init, and the messages of a Wasm layer made too early. Each test
// imports a fresh copy of the library, so that the module-level state starts empty.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectThrows } from './helpers/throws.js';

type Lib = typeof import('../src/index.js');

async function freshLibrary(): Promise<Lib> {
  vi.resetModules();
  return import('../src/index.js');
}

afterEach(() => {
  vi.restoreAllMocks();
});

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

  it('takes the ends of the thread count and undefined options', async () => {
    const lib = await freshLibrary();
    expect(await lib.init({ threads: 1 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
    expect(await lib.init(undefined)).toEqual({ backend: 'wasm', simd: true });
    expect(lib.initSync({})).toEqual({ backend: 'wasm', simd: true });
  });
});

describe('backends', () => {
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
