// The one place that turns Wasm bytes into kernel functions, so that the choice of
// loader can change here alone. The module imports its memory and exports pointer
// kernels only, so plain WebAssembly.instantiate needs no glue (@assemblyscript/loader
// would add bytes for managed-object helpers this module never uses).
import { kernelBase64 } from './kernel-bytes.generated.js';

/** The kernel exports of build/batchnorm.wasm (see assembly/index.ts). */
export interface KernelExports {
  trainForward(x: number, y: number, N: number, C: number, S: number, gamma: number, beta: number,
    runMean: number, runVar: number, momentum: number, eps: number, unbiased: number,
    meanHi: number, meanLo: number, invstd: number, alpha: number, shift: number, acc: number, relu: number): void;
  backward(x: number, dy: number, dx: number, N: number, C: number, S: number, gamma: number,
    meanHi: number, meanLo: number, invstd: number, alpha: number, shift: number,
    dgamma: number, dbeta: number, coef: number, acc: number, relu: number): void;
  fold(C: number, gamma: number, runVar: number, eps: number, scale: number): void;
  // The steps of the two above, for splitting the work over threads.
  stats(x: number, N: number, C: number, S: number, mean: number, m2: number): void;
  trainFinalize(C: number, count: number, mean64: number, m2_64: number, gamma: number, beta: number,
    runMean: number, runVar: number, momentum: number, eps: number, unbiased: number,
    meanHi: number, meanLo: number, invstd: number, alpha: number, shift: number): void;
  backwardReduce(x: number, dy: number, N: number, C: number, S: number, center: number, alpha: number, shift: number,
    sumDy: number, sumDyXc: number, relu: number): void;
  backwardFinalize(C: number, M: number, gamma: number, meanLo: number, invstd: number, sumDy: number, sumDyXc: number,
    dgamma: number, dbeta: number, ka: number, kb: number, kc: number): void;
  backwardApply(x: number, dy: number, dx: number, N: number, C: number, S: number, center: number, alpha: number,
    shift: number, ka: number, kb: number, kc: number, relu: number): void;
  mergeStats(C: number, nA: number, meanA: number, m2A: number, nB: number, meanB: number, m2B: number): void;
  addF64(dst: number, src: number, n: number): void;
  normalize(x: number, y: number, N: number, C: number, S: number, center: number, scale: number,
    bias: number, relu: number): void;
}

/** Where the Wasm comes from: the bytes shipped in the package by default. */
export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

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
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export function embeddedBytes(): Uint8Array {
  const text = atob(kernelBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory } };
}

function asBytes(source: ArrayBuffer | ArrayBufferView): BufferSource {
  return source instanceof ArrayBuffer ? source : (new Uint8Array(source.buffer, source.byteOffset, source.byteLength) as BufferSource);
}

async function fetchOk(url: string | URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`init({ wasm }): fetching ${String(url)} failed with HTTP ${response.status}`);
  return response;
}

async function fetchModule(url: string | URL): Promise<WebAssembly.Module> {
  const response = await fetchOk(url);
  const type = response.headers.get('content-type') ?? '';
  // compileStreaming requires application/wasm; fall back to bytes for other servers.
  if (typeof WebAssembly.compileStreaming === 'function' && type.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

export async function compileKernels(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source === undefined) return WebAssembly.compile(embeddedBytes() as BufferSource);
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) return fetchModule(source);
  return WebAssembly.compile(asBytes(source));
}

/** The kernels' bytes (for threads, which compile a shared-memory variant of them). */
export async function kernelBytes(source?: WasmSource): Promise<Uint8Array> {
  if (source === undefined) return embeddedBytes();
  if (source instanceof WebAssembly.Module) {
    throw new TypeError('init(options): with options.threads, options.wasm must be a URL or bytes, not a compiled WebAssembly.Module (threads recompile it for shared memory)');
  }
  if (typeof source === 'string' || source instanceof URL) return new Uint8Array(await (await fetchOk(source)).arrayBuffer());
  return new Uint8Array(asBytes(source) as ArrayBuffer | Uint8Array);
}

export function compileKernelsSync(source?: Exclude<WasmSource, string | URL>): WebAssembly.Module {
  if (source === undefined) return new WebAssembly.Module(embeddedBytes() as BufferSource);
  if (source instanceof WebAssembly.Module) return source;
  return new WebAssembly.Module(asBytes(source));
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, imports(memory));
  return instance.exports as unknown as KernelExports;
}
