// Backend selection: loads the Wasm kernels once and remembers which backend new
// layers use by default.
import { compileKernels, compileKernelsSync, hasWasmSimd, type WasmSource } from './wasm/instantiate.js';
import { createRuntime, type WasmRuntime } from './wasm/runtime.js';

export type BackendName = 'wasm' | 'js';

export interface InitOptions {
  /** 'js' skips Wasm; 'wasm' (the default) loads it and falls back to 'js' where Wasm SIMD is missing. */
  backend?: BackendName;
  /** Overrides the Wasm shipped in the package: a URL (fetched), bytes, or a compiled module. */
  wasm?: WasmSource;
}

export interface InitOptionsSync extends InitOptions {
  wasm?: Exclude<WasmSource, string | URL>;
}

export interface InitInfo {
  /** The backend new layers use by default. */
  backend: BackendName;
  /** Whether this platform validates Wasm SIMD. */
  simd: boolean;
}

let runtime: WasmRuntime | null = null;
let wasmPromise: Promise<InitInfo> | null = null;
let wasmInfo: InitInfo | null = null;
let jsPromise: Promise<InitInfo> | null = null;
let defaultBackend: BackendName | null = null;

function checkOptions(options: unknown, fn: string): InitOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${fn}(options): options must be an object; got ${options === null ? 'null' : typeof options}`);
  }
  const { backend } = options as InitOptions;
  if (backend !== undefined && backend !== 'wasm' && backend !== 'js') {
    throw new RangeError(`${fn}(options): options.backend must be 'wasm' or 'js'; got ${JSON.stringify(backend)}`);
  }
  return options as InitOptions;
}

function selectJs(): InitInfo {
  defaultBackend = 'js';
  return { backend: 'js', simd: hasWasmSimd() };
}

function wasmLoaded(rt: WasmRuntime): InitInfo {
  runtime = rt;
  wasmInfo = { backend: 'wasm', simd: true };
  defaultBackend = 'wasm';
  return wasmInfo;
}

function wasmMissing(): InitInfo {
  wasmInfo = { backend: 'js', simd: false };
  defaultBackend = 'js';
  return wasmInfo;
}

/**
 * Loads and instantiates the Wasm kernels once. Repeated and concurrent calls share one
 * promise; where WebAssembly or Wasm SIMD is missing it resolves with backend 'js'.
 * The first successful load wins: a later `wasm` option is ignored.
 */
export function init(options?: InitOptions): Promise<InitInfo> {
  const opts = checkOptions(options, 'init');
  if (opts.backend === 'js') {
    defaultBackend = 'js';
    jsPromise ??= Promise.resolve().then(selectJs);
    return jsPromise;
  }
  if (wasmPromise) {
    if (wasmInfo) defaultBackend = wasmInfo.backend; // init() after init({ backend: 'js' })
    return wasmPromise;
  }
  if (!hasWasmSimd()) {
    wasmPromise = Promise.resolve().then(wasmMissing);
    return wasmPromise;
  }
  wasmPromise = compileKernels(opts.wasm).then(
    (module) => wasmLoaded(createRuntime(module)),
    (error: unknown) => {
      wasmPromise = null; // a failed fetch or a bad module may be retried
      throw error;
    },
  );
  return wasmPromise;
}

/** init() done synchronously (Node, or any platform that compiles small modules synchronously). */
export function initSync(options?: InitOptionsSync): InitInfo {
  const opts = checkOptions(options, 'initSync');
  if (typeof opts.wasm === 'string' || opts.wasm instanceof URL) {
    throw new TypeError('initSync(options): options.wasm must be bytes or a WebAssembly.Module (a URL needs the async init())');
  }
  if (opts.backend === 'js') return selectJs();
  if (wasmInfo) {
    defaultBackend = wasmInfo.backend;
    return wasmInfo;
  }
  const info = hasWasmSimd()
    ? wasmLoaded(createRuntime(compileKernelsSync(opts.wasm as InitOptionsSync['wasm'])))
    : wasmMissing();
  wasmPromise = Promise.resolve(info);
  return info;
}

/** The backend a new layer uses when its options name none. */
export function currentDefaultBackend(): BackendName | null {
  return defaultBackend;
}

/** The Wasm runtime, or an Error saying what to do when it is not there. */
export function requireRuntime(who: string): WasmRuntime {
  if (runtime) return runtime;
  if (wasmInfo && wasmInfo.backend === 'js') {
    throw new Error(`${who}: the Wasm backend is unavailable here (no WebAssembly SIMD); use { backend: 'js' }`);
  }
  throw new Error(`${who}: the Wasm backend is not loaded yet; call \`await init()\` (or initSync()) first, or pass { backend: 'js' }`);
}

/** The shared Wasm memory's size and the bytes held by live layers, or null before the Wasm loads. */
export function wasmMemoryInfo(): { byteLength: number; bytesInUse: number } | null {
  return runtime ? { byteLength: runtime.heap.byteLength, bytesInUse: runtime.heap.bytesInUse } : null;
}
