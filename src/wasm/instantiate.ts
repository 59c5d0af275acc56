// The one place that makes Wasm memory and turns Wasm into kernel functions: the memory
// (plain, or shared for threads), the import object, and instantiation through
// @assemblyscript/loader from every source init({ wasm }) accepts (the shipped bytes, bytes,
// a compiled WebAssembly.Module, a URL), asynchronously and synchronously. The worker
// threads' program embeds kernelImports and instantiateInWorker below as source text, so
// they instantiate exactly as this thread does.
import { instantiate, instantiateSync } from '@assemblyscript/loader';
import type { KernelExports } from './abi.js';
import { kernelBase64 } from './kernel-bytes.generated.js';
import type { WasmSource } from './wasm-source.js';

export type { WasmSource };

/** What a WasmSource is at run time, once checked (the public type says `object` for a module). */
export type CheckedSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** options.wasm checked: undefined (the shipped bytes) or a CheckedSource, else a TypeError saying what came. */
export function checkWasmSource(value: WasmSource | undefined, fn: string): CheckedSource | undefined {
  if (value === undefined || typeof value === 'string' || value instanceof URL || value instanceof ArrayBuffer
    || ArrayBuffer.isView(value) || value instanceof WebAssembly.Module) return value;
  const got = value === null ? 'null' : typeof value === 'object' ? `an object (${Object.prototype.toString.call(value)})` : typeof value;
  throw new TypeError(`${fn}(options): options.wasm must be a URL, bytes (ArrayBuffer or a typed array) or a compiled WebAssembly.Module; got ${got}`);
}

/** The kernels and the compiled module they came from (threads send the module to workers). */
export interface LoadedKernels {
  readonly module: WebAssembly.Module;
  readonly instance: WebAssembly.Instance;
  readonly kernels: KernelExports;
}

// 16 pages = 1 MiB to start; the heap grows the memory on demand.
const INITIAL_PAGES = 16;

// A shared memory must declare its maximum up front; 4 GiB (the wasm32 limit) where the
// platform reserves that much address space, less where it does not (32-bit browsers).
const SHARED_MAXIMA = [65536, 16384, 4096];

// A one-function module using a SIMD instruction (i32.const 0; i8x16.splat): it validates
// exactly where Wasm SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: i32.const 0, i8x16.splat, end
]);

export function hasWasmSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false; // no WebAssembly at all
  }
}

export function embeddedBytes(): Uint8Array {
  return Uint8Array.from(atob(kernelBase64), (ch) => ch.charCodeAt(0));
}

// The maximum each shared memory was made with (a Memory does not say).
const maxima = new WeakMap<WebAssembly.Memory, number>();

/** The most bytes a memory from createMemory can grow to. */
export function maxBytesOf(memory: WebAssembly.Memory): number {
  return (maxima.get(memory) ?? SHARED_MAXIMA[0]) * 65536;
}

/** The kernels' memory: plain, or shared (for threads) with the largest maximum the platform grants. */
export function createMemory(shared = false): WebAssembly.Memory {
  if (!shared) return new WebAssembly.Memory({ initial: INITIAL_PAGES });
  for (const maximum of SHARED_MAXIMA.slice(0, -1)) {
    try {
      return sharedMemory(maximum);
    } catch {
      // the platform refused this much address space: try less
    }
  }
  return sharedMemory(SHARED_MAXIMA[SHARED_MAXIMA.length - 1]); // its error is the caller's
}

function sharedMemory(maximum: number): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
  maxima.set(memory, maximum);
  return memory;
}

// Stryker disable all: the workers run these two functions as source text (worker-source.ts),
// where the instrumentation of a mutant does not exist; the threads tests check them.
/** The module's only import: the memory. Self-contained: the worker's program embeds its source. */
export function kernelImports(memory: WebAssembly.Memory): { env: { memory: WebAssembly.Memory } } {
  return { env: { memory } };
}

/**
 * How a worker thread instantiates the module it is sent, over the shared memory. Self-contained
 * but for kernelImports: the worker's program embeds the source of both (src/threads/worker-source.ts).
 */
export function instantiateInWorker(module: WebAssembly.Module, memory: WebAssembly.Memory): WebAssembly.Exports {
  return new WebAssembly.Instance(module, kernelImports(memory)).exports;
}
// Stryker restore all

function asBytes(source: ArrayBuffer | ArrayBufferView): BufferSource {
  return source instanceof ArrayBuffer ? source : (new Uint8Array(source.buffer, source.byteOffset, source.byteLength) as BufferSource);
}

async function fetchOk(url: string | URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`init({ wasm }): fetching ${String(url)} failed with HTTP ${response.status}`);
  return response;
}

// The loader's form of a source: a Response compiles while streaming, which needs the type
// application/wasm, exactly (Node refuses 'application/wasm; charset=binary'); from other
// servers the bytes are read first. (Where WebAssembly.instantiateStreaming is missing, the
// loader reads a Response's bytes itself.)
async function loaderSource(source: CheckedSource | undefined): Promise<WebAssembly.Module | BufferSource | Response> {
  if (source === undefined) return embeddedBytes() as BufferSource;
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) {
    const response = await fetchOk(source);
    return response.headers.get('content-type') === 'application/wasm' ? response : response.arrayBuffer();
  }
  return asBytes(source);
}

function loaded(result: { module: WebAssembly.Module; instance: WebAssembly.Instance }): LoadedKernels {
  // The instance's own exports: the loader's demangled wrappers add a rest-argument call per kernel.
  return { module: result.module, instance: result.instance, kernels: result.instance.exports as unknown as KernelExports };
}

/** Compiles (or takes) the module and instantiates it over memory. */
export async function instantiateKernels(source: CheckedSource | undefined, memory: WebAssembly.Memory): Promise<LoadedKernels> {
  return loaded(await instantiate(loaderSource(source), kernelImports(memory)));
}

/** instantiateKernels done synchronously: bytes or a compiled module, not a URL. */
export function instantiateKernelsSync(source: Exclude<CheckedSource, string | URL> | undefined, memory: WebAssembly.Memory): LoadedKernels {
  const from = source === undefined ? embeddedBytes() as BufferSource : source instanceof WebAssembly.Module ? source : asBytes(source);
  return loaded(instantiateSync(from, kernelImports(memory)));
}

/**
 * The kernels over a shared memory (threads): the module's memory import must say "shared",
 * so the bytes are rewritten (shared-module.ts) before compiling; a compiled Module cannot be.
 */
export async function instantiateSharedKernels(source: CheckedSource | undefined, memory: WebAssembly.Memory): Promise<LoadedKernels> {
  if (source instanceof WebAssembly.Module) {
    throw new TypeError('init(options): with options.threads, options.wasm must be a URL or bytes, not a compiled WebAssembly.Module (threads recompile it for shared memory)');
  }
  const bytes = source === undefined ? embeddedBytes()
    : typeof source === 'string' || source instanceof URL ? new Uint8Array(await (await fetchOk(source)).arrayBuffer())
      : new Uint8Array(asBytes(source) as ArrayBuffer);
  const { withSharedMemory } = await import('./shared-module.js'); // only threads need it
  // An import declaring the largest maximum accepts a memory of any smaller one.
  return loaded(await instantiate(withSharedMemory(bytes, SHARED_MAXIMA[0]) as BufferSource, kernelImports(memory)));
}
