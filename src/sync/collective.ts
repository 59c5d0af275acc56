// Synchronized batch norm: what replicas exchange, through the caller's own collective.
//
// A training forward sends (count, mean, M2) per channel and merges every replica's with
// Chan's formula, in rank order, in f64: each replica merges the same arrays in the same
// order, so all hold the same statistics to the last bit. A backward sends its sums of dy and
// dy * (x - mean) and adds every replica's, in rank order. Only an all-gather is asked of the
// transport: a sum that a transport's all-reduce formed could differ in its last bits from one
// replica to another, a sum formed here cannot. (PyTorch's SyncBatchNorm gathers count, mean
// and invstd in forward and all-reduces its two sums in backward.)
//
// An exchange travels as one Float64Array: [kind, C, count, a[0..C), b[0..C)]. The kind and C
// let a replica tell a peer that is out of step (in the other pass, or another layer) from
// one that is merely late.
import { describe, isInteger, show } from '../validate.js';

/**
 * The caller's transport between K replicas (workers, processes, machines): this replica's
 * place among them and an all-gather. The layer never opens a connection of its own.
 *
 * @example
 * ```ts
 * // Over worker_threads or Web Workers: messagePortCollective({ rank, ports }). Any transport:
 * const collective: Collective = {
 *   rank, size,
 *   allGather: async (local, { signal }) => await myTransport.allGather(local, signal), // every replica's, in rank order
 * };
 * ```
 */
export interface Collective {
  /**
   * This replica's index, 0 to size - 1.
   *
   * @example
   * ```ts
   * 0
   * ```
   */
  readonly rank: number;
  /**
   * The number of replicas, 1 or more.
   *
   * @example
   * ```ts
   * 4
   * ```
   */
  readonly size: number;
  /**
   * Sends `local` to every replica and resolves with every replica's array in rank order, this
   * replica's own at `rank` (the same list on every replica). The layer aborts `signal` when it
   * gives up waiting (options.syncTimeoutMs) or when allGather rejects: stop waiting then, and
   * tell the peers if you can, so that they do not wait for this replica until their own timeout.
   *
   * @param local - This replica's array (the layer's packed partial results).
   * @param options - `signal`, aborted when the layer stops waiting.
   * @returns Every replica's array, in rank order.
   * @throws Nothing itself: a failure is a rejection, which the layer reports naming the collective.
   *
   * @example
   * ```ts
   * const all = await collective.allGather(Float64Array.of(rank), { signal: AbortSignal.timeout(5_000) });
   * ```
   */
  allGather(local: Float64Array, options: { readonly signal: AbortSignal }): Promise<readonly Float64Array[]>;
}

/** A collective as the layer keeps it: read once, when the layer is made. */
export interface SyncSettings {
  readonly rank: number;
  readonly size: number;
  readonly allGather: Collective['allGather'];
  readonly target: object; // `this` for allGather
  readonly timeoutMs: number;
}

/** The two exchanges: a training forward's statistics, a backward's sums. */
export const enum ExchangeKind { Stats = 1, Sums = 2 }

/** Where a packed exchange's parts begin. */
export const HEADER = 3;

/** A packed exchange of C channels: header, then the two per-channel arrays (in reuse, when it has the length). */
export function packExchange(kind: ExchangeKind, C: number, count: number, reuse?: Float64Array): Float64Array {
  const packed = reuse?.length === HEADER + 2 * C ? reuse : new Float64Array(HEADER + 2 * C);
  packed[0] = kind;
  packed[1] = C;
  packed[2] = count;
  return packed;
}

const WHAT = { [ExchangeKind.Stats]: "a training forward's statistics", [ExchangeKind.Sums]: "a backward's sums" } as const;

/** options.collective checked and read once; undefined when there is none. */
export function readCollective(value: unknown, timeout: unknown, who: string): SyncSettings | undefined {
  if (value === undefined || value === null) {
    if (timeout !== undefined) throw new TypeError(`${who}: options.syncTimeoutMs needs options.collective; got ${describe(timeout)} without one`);
    return undefined;
  }
  if (typeof value !== 'object') throw new TypeError(`${who}: options.collective must be an object { rank, size, allGather }; got ${describe(value)}`);
  const { rank, size, allGather } = value as Partial<Collective>;
  if (typeof allGather !== 'function') throw new TypeError(`${who}: options.collective.allGather must be a function; got ${describe(allGather)}`);
  if (!isInteger(size) || size < 1) {
    throw new RangeError(`${who}: options.collective.size must be an integer >= 1 (the number of replicas); got ${show(size)}`);
  }
  if (!isInteger(rank) || rank < 0 || rank >= size) {
    throw new RangeError(`${who}: options.collective.rank must be an integer in [0, ${size - 1}] (collective.size ${size}); got ${show(rank)}`);
  }
  const timeoutMs = timeout === undefined ? 60_000 : timeout;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new RangeError(`${who}: options.syncTimeoutMs must be a number of milliseconds > 0 (Infinity: no limit); got ${show(timeoutMs)}`);
  }
  return { rank, size, allGather, target: value, timeoutMs };
}

// What came back from allGather, checked: one array per replica, each of the exchange's
// kind, channels and length, this replica's own where it belongs. Any other answer is an
// error naming the collective and what was wrong.
function checkGathered(got: unknown, local: Float64Array, s: SyncSettings, who: string): readonly Float64Array[] {
  const name = `${who}: options.collective.allGather`;
  if (!Array.isArray(got)) throw new TypeError(`${name} must resolve with an array of ${s.size} Float64Arrays (one per replica); got ${describe(got)}`);
  if (got.length !== s.size) throw new RangeError(`${name} resolved with ${got.length} arrays; expected ${s.size} (collective.size), one per replica`);
  const kind = local[0] as ExchangeKind;
  got.forEach((a: unknown, r) => {
    if (!(a instanceof Float64Array)) throw new TypeError(`${name} resolved with ${describe(a)} for replica ${r}; expected a Float64Array`);
    if (a.length >= HEADER && a[0] !== kind && (a[0] === ExchangeKind.Stats || a[0] === ExchangeKind.Sums)) {
      throw new RangeError(`${name}: replica ${r} sent ${WHAT[a[0] as ExchangeKind]} while this replica (rank ${s.rank}) sent ${WHAT[kind]}: the replicas are out of step`);
    }
    if (a.length !== local.length) {
      throw new RangeError(`${name} resolved with an array of length ${a.length} for replica ${r}; expected ${local.length} (${WHAT[kind]} of ${local[1]} channels, as this replica sent)`);
    }
    if (a[0] !== kind || a[1] !== local[1]) {
      throw new RangeError(`${name} resolved with an array headed [${a[0]}, ${a[1]}] for replica ${r}; expected [${kind}, ${local[1]}] (${WHAT[kind]} of ${local[1]} channels, as this replica sent)`);
    }
    if (!(Number.isSafeInteger(a[2]) && a[2] > 0)) throw new RangeError(`${name}: replica ${r} sent a count of ${a[2]}; expected an integer > 0`);
  });
  // Compared by value: a transport may hand back a copy (a structured clone) of this replica's own.
  if (!(got[s.rank] as Float64Array).every((v, i) => Object.is(v, local[i]))) {
    throw new RangeError(`${name} resolved with another array than this replica's at its rank ${s.rank}: the order is not rank order`);
  }
  return got as Float64Array[];
}

// Chan's merge of replica statistics, in rank order, into `into`'s parts; returns the count.
function mergeStats(all: readonly Float64Array[], into: Float64Array, C: number): number {
  let n = 0;
  const mean = into.subarray(HEADER, HEADER + C);
  const m2 = into.subarray(HEADER + C);
  for (const a of all) {
    const nb = a[2];
    if (n === 0) {
      mean.set(a.subarray(HEADER, HEADER + C));
      m2.set(a.subarray(HEADER + C));
      n = nb;
      continue;
    }
    const total = n + nb;
    for (let c = 0; c < C; c++) {
      const delta = a[HEADER + c] - mean[c];
      mean[c] += delta * (nb / total);
      m2[c] += a[HEADER + C + c] + delta * delta * (n * nb / total);
    }
    n = total;
  }
  into[2] = n;
  return n;
}

// The replicas' sums added in rank order into `into`'s parts; returns the count.
function addSums(all: readonly Float64Array[], into: Float64Array): number {
  // Rank 0's copied, then the others added in rank order: the same sums on every replica
  // (a fill and an add for rank 0 instead took 6 us against 1 us at C = 4096, Node 26).
  let n = all[0][2];
  into.set(all[0].subarray(HEADER), HEADER);
  for (let r = 1; r < all.length; r++) {
    const a = all[r];
    for (let i = HEADER; i < a.length; i++) into[i] += a[i];
    n += a[2];
  }
  into[2] = n;
  return n;
}

/**
 * A synchronized layer's exchanges with the other replicas. What it sends goes out of one of
 * two buffers of its own, used in turn: the transport may hand the very array it was given to
 * the other replicas (an in-process group does), so the array of one exchange is written again
 * only two exchanges later, when every replica has gathered the exchange between (an all-gather
 * waits for all): it is read by then. Typed arrays cost a few microseconds each to allocate,
 * 30 us for a slice of 2,051 f64 on Node 26 here, so none is made per exchange.
 */
export class Exchanger {
  private readonly sent: Float64Array[] = [];
  private turn = 0;

  constructor(private readonly s: SyncSettings) {}

  /**
   * Exchanges a packed exchange with every replica and leaves the whole batch's in it: the
   * merged statistics or the summed sums, and the count of all replicas' rows (also returned).
   * Rejects with an error naming the collective when it rejects, times out or answers wrongly;
   * `packed` is then unusable, and the caller commits nothing.
   */
  async exchange(packed: Float64Array, who: string): Promise<number> {
    const s = this.s;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (s.timeoutMs === Infinity) return;
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`${who}: options.collective.allGather did not settle within ${s.timeoutMs} ms (options.syncTimeoutMs); a replica may have failed or not called`));
      }, s.timeoutMs);
    });
    const t = this.turn;
    this.turn = 1 - t;
    if (this.sent[t]?.length !== packed.length) this.sent[t] = new Float64Array(packed.length);
    const local = this.sent[t];
    local.set(packed); // what was sent stays as sent until the exchange after next
    let got: unknown;
    try {
      got = await Promise.race([
        Promise.resolve().then(() => s.allGather.call(s.target, local, { signal: controller.signal })),
        timeout,
      ]);
    } catch (error) {
      if (controller.signal.aborted) throw error; // the timeout's own error
      controller.abort();
      throw new Error(`${who}: options.collective.allGather rejected: ${error instanceof Error ? error.message : describe(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const all = checkGathered(got, local, s, who);
    const C = packed[1];
    return packed[0] === ExchangeKind.Stats ? mergeStats(all, packed, C) : addSums(all, packed);
  }
}
