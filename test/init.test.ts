// init() and initSync(): one shared load, the Wasm sources a user may pass, and the
// fallback to JS where WebAssembly or its SIMD is missing. Each test imports a fresh
// copy of the library so that the module-level state starts empty.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadFixtures } from './helpers/fixtures-node.js';
import { hideWasmSimd } from './helpers/no-simd.js';

type Lib = typeof import('../src/index.js');

async function freshLibrary(): Promise<Lib> {
  vi.resetModules();
  return import('../src/index.js');
}

const wasmBytes = () => readFileSync(new URL('../build/batchnorm.wasm', import.meta.url));
const gamma = new Float32Array([1, 2]);
const beta = new Float32Array([0, 1]);

function checkWorks(lib: Lib, backend?: 'wasm' | 'js') {
  const bn = new lib.BatchNormalization(gamma, beta, 0.9, null, null, backend ? { backend } : {});
  const y = bn.forward({ data: [1, 2, 3, 6], shape: [2, 2] }).data;
  // Two rows: each column normalises to -1, +1 (up to eps), then gamma, beta.
  expect(y[0]).toBeCloseTo(-1, 3);
  expect(y[2]).toBeCloseTo(1, 3);
  expect(y[1]).toBeCloseTo(-1, 3);
  expect(y[3]).toBeCloseTo(3, 3);
  const used = bn.backend;
  bn.dispose();
  return used;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('init', () => {
  it('repeated and concurrent calls share one promise and load Wasm SIMD', async () => {
    const lib = await freshLibrary();
    const a = lib.init();
    const b = lib.init();
    expect(a).toBe(b);
    expect(await a).toEqual({ backend: 'wasm', simd: true });
    expect(lib.init()).toBe(a);
    expect(checkWorks(lib)).toBe('wasm');
  });

  it('a Wasm layer before init() throws an Error that says to await init()', async () => {
    const lib = await freshLibrary();
    expect(() => new lib.BatchNormalization(gamma, beta)).toThrow(/call `await init\(\)`/);
    expect(() => lib.allocTensor([2, 2])).toThrow(/call `await init\(\)`/);
    expect(checkWorks(lib, 'js')).toBe('js'); // the JS backend needs no init
  });

  it("init({ backend: 'js' }) makes JS the default without loading Wasm; init() switches back", async () => {
    const lib = await freshLibrary();
    expect(await lib.init({ backend: 'js' })).toEqual({ backend: 'js', simd: true });
    expect(lib.wasmMemoryInfo()).toBeNull();
    expect(checkWorks(lib)).toBe('js');
    await lib.init();
    expect(checkWorks(lib)).toBe('wasm');
  });

  it('accepts the Wasm as bytes', async () => {
    const lib = await freshLibrary();
    expect(await lib.init({ wasm: wasmBytes() })).toEqual({ backend: 'wasm', simd: true });
    expect(checkWorks(lib)).toBe('wasm');
  });

  it('accepts a compiled WebAssembly.Module', async () => {
    const lib = await freshLibrary();
    const module = await WebAssembly.compile(wasmBytes());
    expect((await lib.init({ wasm: module })).backend).toBe('wasm');
    expect(checkWorks(lib)).toBe('wasm');
  });

  it('accepts a URL and fetches it', async () => {
    const bytes = wasmBytes();
    const server = createServer((req, res) => {
      if (req.url !== '/bn.wasm') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/wasm' }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const lib = await freshLibrary();
      await expect(lib.init({ wasm: `http://127.0.0.1:${port}/missing.wasm` })).rejects.toThrow(/HTTP 404/);
      // A failed load may be retried.
      expect((await lib.init({ wasm: new URL(`http://127.0.0.1:${port}/bn.wasm`) })).backend).toBe('wasm');
      expect(checkWorks(lib)).toBe('wasm');
    } finally {
      server.close();
    }
  });

  it('compiles a URL while streaming where the server says application/wasm, and from its bytes otherwise (a type with parameters too)', async () => {
    const bytes = wasmBytes();
    const types: Record<string, string | undefined> = { '/wasm': 'application/wasm', '/params': 'application/wasm; charset=binary', '/octets': 'application/octet-stream', '/none': undefined };
    const server = createServer((req, res) => {
      const type = types[req.url!];
      res.writeHead(200, type === undefined ? {} : { 'content-type': type }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Streaming refuses any other type, so only the spy tells whether it ran.
    const streaming = vi.spyOn(WebAssembly, 'instantiateStreaming');
    try {
      for (const [path, streams] of [['/wasm', true], ['/params', false], ['/octets', false], ['/none', false]] as const) {
        streaming.mockClear();
        const lib = await freshLibrary();
        expect((await lib.init({ wasm: `http://127.0.0.1:${port}${path}` })).backend, path).toBe('wasm');
        expect(checkWorks(lib), path).toBe('wasm');
        expect(streaming.mock.calls.length, path).toBe(streams ? 1 : 0);
      }
    } finally {
      streaming.mockRestore();
      server.close();
    }
  });

  it('rejects bytes that are not Wasm, and can be retried', async () => {
    const lib = await freshLibrary();
    await expect(lib.init({ wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow(WebAssembly.CompileError);
    expect((await lib.init()).backend).toBe('wasm');
  });

  it('init({ threads }) whose workers cannot start runs on one thread and says why', async () => {
    vi.resetModules();
    // Workers that fail as a refused worker script does: an error event, no report.
    vi.doMock('../src/threads/spawn.js', async (original) => ({
      ...(await original<typeof import('../src/threads/spawn.js')>()),
      spawnWorker: (onError: (e: unknown) => void) => {
        queueMicrotask(() => onError('the worker script was refused'));
        return { postMessage() {}, terminate() {} };
      },
    }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const lib: Lib = await import('../src/index.js');
      expect(await lib.init({ threads: 2 })).toEqual({ backend: 'wasm', simd: true, threads: 1 });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/init\(\{ threads: 2 \}\) runs on one thread: .*a worker failed: the worker script was refused/));
      const bn = new lib.BatchNormalization(gamma, beta);
      expect(bn.forward({ data: new Float32Array([1, 2, 3, 5]), shape: [2, 2] }).data.length).toBe(4);
    } finally {
      vi.doUnmock('../src/threads/spawn.js');
    }
  });

  it('rejects bad options', async () => {
    const lib = await freshLibrary();
    expect(() => lib.init({ backend: 'webgpu' as never })).toThrow(RangeError);
    expect(() => lib.init({ backend: 'webgpu' as never })).toThrow(/options\.backend must be 'wasm' or 'js'; got "webgpu"/);
    expect(() => lib.init(7 as never)).toThrow(TypeError);
    // The message shows what came, also where JSON cannot (it threw on a BigInt, and said null for NaN).
    expect(() => lib.init({ threads: 2n as never })).toThrow(/options\.threads must be an integer from 1 to 1024 or 'auto'; got the BigInt 2n/);
    expect(() => lib.init({ threads: NaN })).toThrow(/; got NaN$/);
    expect(() => lib.init({ threads: [2] as never })).toThrow(/; got \[2\]$/);
  });

  it('rejects an options.wasm of no accepted kind with a TypeError that says what came', async () => {
    // The public type is `object` for a compiled module (so that it needs no DOM lib): the check is at run time.
    const lib = await freshLibrary();
    expect(() => lib.init({ wasm: { bytes: 1 } })).toThrow(/^init\(options\): options\.wasm must be a URL, bytes \(ArrayBuffer or a typed array\) or a compiled WebAssembly\.Module; got an object \(\[object Object\]\)$/);
    expect(() => lib.initSync({ wasm: 42 as never })).toThrow(TypeError);
    expect(() => lib.initSync({ wasm: 42 as never })).toThrow(/^initSync\(options\): options\.wasm .*; got number$/);
    expect(() => lib.initSync({ wasm: null as never })).toThrow(/^initSync\(options\): options\.wasm .*; got null$/);
    expect(lib.wasmMemoryInfo()).toBeNull(); // nothing was loaded
  });
});

describe('initSync', () => {
  it('loads synchronously and agrees with init()', async () => {
    const lib = await freshLibrary();
    expect(lib.initSync()).toEqual({ backend: 'wasm', simd: true });
    expect(checkWorks(lib)).toBe('wasm');
    expect(await lib.init()).toEqual({ backend: 'wasm', simd: true });
  });

  it('takes bytes, and refuses a URL with a TypeError', async () => {
    const lib = await freshLibrary();
    expect(() => lib.initSync({ wasm: 'http://example.invalid/bn.wasm' as never })).toThrow(TypeError);
    expect(lib.initSync({ wasm: wasmBytes() }).backend).toBe('wasm');
  });
});

describe('fallback to JS', () => {
  it('where Wasm SIMD does not validate: backend js, fixtures still pass', async () => {
    hideWasmSimd();
    const lib = await freshLibrary();
    expect(await lib.init()).toEqual({ backend: 'js', simd: false });
    expect(checkWorks(lib)).toBe('js');
    expect(() => new lib.BatchNormalization(gamma, beta, 0.9, null, null, { backend: 'wasm' })).toThrow(/Wasm backend is unavailable here/);
    const { runFixture } = await import('./helpers/run-fixture.js');
    for (const fx of loadFixtures().filter((c) => !c.f64_only)) expect(runFixture(fx, 'js')).toEqual([]);
  });

  it('where WebAssembly does not exist at all', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    const lib = await freshLibrary();
    expect(await lib.init()).toEqual({ backend: 'js', simd: false });
    expect(lib.initSync()).toEqual({ backend: 'js', simd: false });
    expect(checkWorks(lib)).toBe('js');
  });
});
