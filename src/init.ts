// Backend selection: loads the Wasm kernels once and remembers which backend new
// layers use by default.
import type { BackendName } from './types.js';
import { checkKeys } from './options.js';
import { show } from './validate.js';
import { checkWasmSource, createMemory, hasWasmSimd, instantiateKernels, instantiateKernelsSync, type CheckedSource } from './wasm/instantiate.js';
import type { WasmSource } from './wasm/wasm-source.js';
import { createRuntime, type WasmRuntime } from './wasm/runtime.js';

export type { BackendName };

/**
 * The options of `init()`.
 *
 * @example
 * ```ts
 * await init({ backend: 'wasm', wasm: new URL('batchnorm.wasm', import.meta.url), threads: 'auto' });
 * ```
 */
export interface InitOptions {
  /**
   * 'js' skips Wasm; 'wasm' (the default) loads it and falls back to 'js' where Wasm SIMD is missing.
   *
   * @example
   * ```ts
   * await init({ backend: 'js' });
   * ```
   */
  backend?: BackendName;
  /**
   * Overrides the Wasm shipped in the package: a URL (fetched), bytes, or a compiled module.
   *
   * @example
   * ```ts
   * await init({ wasm: '/assets/batchnorm.wasm' });
   * ```
   */
  wasm?: WasmSource;
  /**
   * Worker threads over one shared memory (opt-in): a count including the calling thread,
   * or 'auto' for the hardware's. Needs Node, or a cross-origin isolated page (COOP/COEP);
   * elsewhere it warns once and runs single-threaded.
   *
   * @example
   * ```ts
   * await init({ threads: 4 });
   * ```
   */
  threads?: number | 'auto';
}

/**
 * The options of `initSync()`: those of `init()` but threads, and no URL.
 *
 * @example
 * ```ts
 * initSync({ wasm: readFileSync(require.resolve('batchnorm-wasm/batchnorm.wasm')) });
 * ```
 */
export interface InitOptionsSync extends Omit<InitOptions, 'threads'> {
  /**
   * Bytes or a compiled module instead of the package's own.
   *
   * @example
   * ```ts
   * initSync({ wasm: bytes });
   * ```
   */
  wasm?: Exclude<WasmSource, string | URL>;
}

/**
 * What `init()` and `initSync()` report.
 *
 * @example
 * ```ts
 * const { backend, simd, threads } = await init({ threads: 'auto' });
 * ```
 */
export interface InitInfo {
  /**
   * The backend new layers use by default.
   *
   * @example
   * ```ts
   * if ((await init()).backend === 'js') console.warn('no Wasm SIMD here');
   * ```
   */
  backend: BackendName;
  /**
   * Whether this platform validates Wasm SIMD.
   *
   * @example
   * ```ts
   * console.log((await init()).simd);
   * ```
   */
  simd: boolean;
  /**
   * With options.threads: the threads the kernels use, the calling one included.
   *
   * @example
   * ```ts
   * console.log((await init({ threads: 'auto' })).threads);
   * ```
   */
  threads?: number;
}

let runtime: WasmRuntime | null = null;
let wasmPromise: Promise<InitInfo> | null = null;
let wasmInfo: InitInfo | null = null;
let jsPromise: Promise<InitInfo> | null = null;
let defaultBackend: BackendName | null = null;
let threadsPromise: Promise<InitInfo> | null = null;

// The options once checked: options.wasm is then one of the kinds it may be at run time.
type CheckedOptions = Omit<InitOptions, 'wasm'> & { wasm?: CheckedSource };

function checkOptions(options: unknown, fn: string): CheckedOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${fn}(options): options must be an object; got ${options === null ? 'null' : typeof options}`);
  }
  checkKeys(options, ['backend', 'wasm', 'threads'], `${fn}(options)`);
  const { backend, threads, wasm } = options as InitOptions; // each read once
  if (backend !== undefined && backend !== 'wasm' && backend !== 'js') {
    throw new RangeError(`${fn}(options): options.backend must be 'wasm' or 'js'; got ${show(backend)}`);
  }
  if (threads !== undefined && threads !== 'auto' && !(Number.isSafeInteger(threads) && threads >= 1 && threads <= 1024)) {
    throw new RangeError(`${fn}(options): options.threads must be an integer from 1 to 1024 or 'auto'; got ${show(threads)}`);
  }
  if (threads !== undefined && fn === 'initSync') {
    throw new TypeError('initSync(options): options.threads needs the async init() (starting workers is asynchronous)');
  }
  return { backend, threads, wasm: checkWasmSource(wasm, fn) };
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

function wasmMissing(simd = false): InitInfo {
  wasmInfo = { backend: 'js', simd };
  defaultBackend = 'js';
  return wasmInfo;
}

/**
 * Loads and instantiates the Wasm kernels once. Repeated and concurrent calls share one
 * promise; where WebAssembly or Wasm SIMD is missing, or compiling is refused (a
 * Content-Security-Policy without 'wasm-unsafe-eval'), it resolves with backend 'js'.
 * The first successful load wins: a later `wasm` option is ignored.
 *
 * @param options - backend, wasm, threads.
 * @returns A promise of the backend chosen, whether SIMD exists, and the thread count.
 * @throws TypeError, RangeError for bad options (thrown at once); the promise rejects when a
 *   given `wasm` source cannot be fetched or compiled (a later call may retry).
 *
 * @example
 * ```ts
 * const { backend } = await init();
 * ```
 */
export function init(options?: InitOptions): Promise<InitInfo> {
  const opts = checkOptions(options, 'init');
  if (opts.backend === 'js') {
    defaultBackend = 'js';
    jsPromise ??= Promise.resolve().then(selectJs);
    return jsPromise;
  }
  if (opts.threads === 1) return init({ ...opts, threads: undefined }).then((info) => ({ ...info, threads: 1 }));
  if (opts.threads !== undefined) return initThreads(opts);
  if (wasmPromise) {
    if (wasmInfo) defaultBackend = wasmInfo.backend; // init() after init({ backend: 'js' })
    return wasmPromise;
  }
  if (!hasWasmSimd()) {
    wasmPromise = Promise.resolve().then(() => wasmMissing());
    return wasmPromise;
  }
  const memory = createMemory();
  wasmPromise = instantiateKernels(opts.wasm, memory).then(
    // An initSync() that ran meanwhile already made the runtime: keep that one (and its info,
    // which wasmLoaded set with it).
    ({ kernels }) => (runtime ? wasmInfo! : wasmLoaded(createRuntime(memory, kernels))),
    (error: unknown) => {
      if (opts.wasm === undefined) {
        // The shipped bytes are valid: the platform refused to compile them (a page's
        // Content-Security-Policy without 'wasm-unsafe-eval' does that). Fall back.
        console.warn(`batchnorm-wasm: compiling the Wasm kernels was refused (${String(error)}); using the JS backend. Under a Content-Security-Policy, allow 'wasm-unsafe-eval' in script-src.`);
        return wasmMissing(true);
      }
      wasmPromise = null; // a failed fetch or a bad module may be retried
      throw error;
    },
  );
  return wasmPromise;
}

// init({ threads }): a shared-memory runtime with a worker pool becomes the current one
// (layers made before keep theirs). The first successful call wins, like the Wasm source.
function initThreads(opts: CheckedOptions): Promise<InitInfo> {
  if (threadsPromise) {
    defaultBackend = 'wasm';
    return threadsPromise;
  }
  if (!hasWasmSimd()) return init(); // backend 'wasm' or none here; without SIMD no source is loaded
  threadsPromise = (async () => {
    const setup = await import('./threads/setup.js');
    const threads = setup.threadCount(opts.threads!);
    if (threads === 1) return { ...(await init({ wasm: opts.wasm })), threads: 1 };
    let rt: WasmRuntime;
    try {
      rt = await setup.createThreadedRuntime(opts.wasm, threads);
    } catch (error) {
      if (opts.wasm !== undefined) throw error;
      // The shipped bytes are valid: the platform refused the shared module (see init()), or
      // the workers could not start (a refused worker script, a crash). One thread then, said.
      console.warn(`batchnorm-wasm: init({ threads: ${threads} }) runs on one thread: ${error instanceof Error ? error.message : String(error)}`);
      return { ...(await init()), threads: 1 };
    }
    wasmLoaded(rt);
    wasmPromise ??= Promise.resolve(wasmInfo!);
    return { backend: 'wasm' as const, simd: true, threads };
  })();
  threadsPromise.catch(() => {
    threadsPromise = null; // may be retried
  });
  return threadsPromise;
}

/**
 * Ends the worker threads of init({ threads }) now; a later threaded call starts them again.
 * A call in flight on them is rejected.
 *
 * @example
 * ```ts
 * await init({ threads: 2 });
 * shutdown();
 * ```
 */
export function shutdown(): void {
  runtime?.threads?.shutdown();
}

/**
 * init() done synchronously (Node, or any platform that compiles small modules synchronously).
 *
 * @param options - backend, wasm (bytes or a module, not a URL); no threads.
 * @returns The backend chosen and whether SIMD exists.
 * @throws TypeError, RangeError for bad options (a URL, threads); what WebAssembly throws for
 *   bytes that do not compile.
 *
 * @example
 * ```ts
 * const { initSync, BatchNormalization } = require('batchnorm-wasm');
 * initSync();
 * ```
 */
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
  let info: InitInfo;
  if (hasWasmSimd()) {
    const memory = createMemory();
    info = wasmLoaded(createRuntime(memory, instantiateKernelsSync(opts.wasm, memory).kernels));
  } else {
    info = wasmMissing();
  }
  wasmPromise = Promise.resolve(info);
  return info;
}

/** The backend a new layer uses when its options name none. @internal */
export function currentDefaultBackend(): BackendName | null {
  return defaultBackend;
}

/** The Wasm runtime, or an Error saying what to do when it is not there. @internal */
export function requireRuntime(who: string): WasmRuntime {
  if (runtime) return runtime;
  if (wasmInfo) { // a load that made no runtime chose 'js'
    throw new Error(`${who}: the Wasm backend is unavailable here (no WebAssembly SIMD); use { backend: 'js' }`);
  }
  throw new Error(`${who}: the Wasm backend is not loaded yet; call \`await init()\` (or initSync()) first, or pass { backend: 'js' }`);
}

/** The current Wasm runtime (for the library's own tests and benches; not exported by index). @internal */
export function currentRuntime(): WasmRuntime | null {
  return runtime;
}

/**
 * The shared Wasm memory's size and the bytes held by live layers and tensors.
 *
 * @returns The two sizes, or null before the Wasm loads.
 *
 * @example
 * ```ts
 * console.log(wasmMemoryInfo()?.bytesInUse);
 * ```
 */
export function wasmMemoryInfo(): {
  /** The memory's size in bytes. */
  byteLength: number;
  /** The bytes allocated by live layers and tensors. */
  bytesInUse: number;
} | null {
  return runtime ? { byteLength: runtime.heap.byteLength, bytesInUse: runtime.heap.bytesInUse } : null;
}
