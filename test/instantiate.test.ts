// src/wasm/instantiate.ts on the platforms it cannot meet here: no WebAssembly, no SIMD, a
// shared memory refused at 4 GiB; the shipped bytes against the build; the kernels over a
// shared memory from each kind of source, on a module written here that exports `probe`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemory, embeddedBytes, hasWasmSimd, instantiateSharedKernels, maxBytesOf } from '../src/wasm/instantiate.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

const str = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, body.length, ...body]; // bodies under 128 bytes
// Imports env.memory (not shared, min 1), exports an empty function `probe`.
const PROBE_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x00, 0x00]),
  ...section(2, [0x01, ...str('env'), ...str('memory'), 0x02, 0x00, 0x01]),
  ...section(3, [0x01, 0x00]),
  ...section(7, [0x01, ...str('probe'), 0x00, 0x00]),
  ...section(10, [0x01, 0x02, 0x00, 0x0b]),
]);
const exportsOf = (module: WebAssembly.Module) => WebAssembly.Module.exports(module).map((e) => e.name);

describe('hasWasmSimd', () => {
  it('is true here, and false without SIMD or without WebAssembly', () => {
    expect(hasWasmSimd()).toBe(true);
    vi.stubGlobal('WebAssembly', Object.create(WebAssembly, { validate: { value: () => false } }));
    expect(hasWasmSimd()).toBe(false);
    vi.stubGlobal('WebAssembly', undefined);
    expect(hasWasmSimd()).toBe(false);
  });
});

describe('createMemory', () => {
  // A platform that grants a shared memory of at most `pages` pages.
  const grantingAtMost = (pages: number) => {
    class Limited extends WebAssembly.Memory {
      constructor(d: WebAssembly.MemoryDescriptor) {
        if (d.shared && (d.maximum ?? 0) > pages) throw new RangeError(`no ${d.maximum} pages`);
        super(d);
      }
    }
    vi.stubGlobal('WebAssembly', Object.create(WebAssembly, { Memory: { value: Limited } }));
  };

  it('asks for 4 GiB of shared memory, and for less where the platform refuses it, and says how much', () => {
    const whole = createMemory(true);
    expect(whole.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(maxBytesOf(whole)).toBe(2 ** 32);
    grantingAtMost(20000);
    expect(maxBytesOf(createMemory(true))).toBe(16384 * 65536);
    grantingAtMost(5000);
    expect(maxBytesOf(createMemory(true))).toBe(4096 * 65536);
    grantingAtMost(4000);
    expect(() => createMemory(true)).toThrow(new RangeError('no 4096 pages'));
  });

  it('makes a plain memory of 1 MiB otherwise', () => {
    const plain = createMemory();
    expect(plain.buffer).toBeInstanceOf(ArrayBuffer);
    expect(plain.buffer.byteLength).toBe(16 * 65536);
  });
});

describe('embeddedBytes', () => {
  it('are the built module, byte for byte', () => {
    expect(embeddedBytes()).toEqual(new Uint8Array(readFileSync(new URL('../build/batchnorm.wasm', import.meta.url))));
  });
});

describe('instantiateSharedKernels', () => {
  it('instantiates the given bytes, or the shipped ones, over a shared memory', async () => {
    const memory = createMemory(true);
    expect(exportsOf((await instantiateSharedKernels(PROBE_MODULE, memory)).module)).toEqual(['probe']);
    expect(exportsOf((await instantiateSharedKernels(PROBE_MODULE.buffer, memory)).module)).toEqual(['probe']);
    expect(exportsOf((await instantiateSharedKernels(undefined, memory)).module)).toContain('normalize');
  });

  it('fetches a URL, given as a string or a URL', async () => {
    const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/wasm' }).end(PROBE_MODULE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/probe.wasm`;
    try {
      const memory = createMemory(true);
      expect(exportsOf((await instantiateSharedKernels(url, memory)).module)).toEqual(['probe']);
      expect(exportsOf((await instantiateSharedKernels(new URL(url), memory)).module)).toEqual(['probe']);
    } finally {
      server.close();
    }
  });

  it('refuses a compiled module, which cannot be made to import a shared memory', async () => {
    await expect(instantiateSharedKernels(new WebAssembly.Module(PROBE_MODULE), createMemory(true))).rejects.toThrow(new TypeError(
      'init(options): with options.threads, options.wasm must be a URL or bytes, not a compiled WebAssembly.Module (threads recompile it for shared memory)'));
  });
});
