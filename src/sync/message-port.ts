// A Collective over MessagePorts, one to each other replica: Node's worker_threads and
// browsers' Workers alike (MessageChannel on both). Each all-gather posts this replica's array
// to every peer with a round number and waits for every peer's array of the same round. A
// replica that gives up on a round (its layer's timeout) posts an abort for it, so that its
// peers fail that round at once instead of waiting out their own timeouts. Messages of rounds
// already over are dropped; those of a round not begun yet (a faster peer) wait for it.
import type { Collective } from './collective.js';
import { describe, isInteger, show } from '../validate.js';

const TAG = 'batchnorm-wasm/allgather';

/**
 * What messagePortCollective needs of a port: Node's worker_threads MessagePort and a
 * browser's are ones; anything else with these methods (an IPC channel, a socket) can be.
 * The collective posts `{ tag: 'batchnorm-wasm/allgather', round, data }` (data a
 * Float64Array) and, for a round it gives up, `{ tag, round, abort }` (a string); other
 * messages on the same port are left alone.
 *
 * @example
 * ```ts
 * const { port1, port2 } = new MessageChannel(); // port1 for one replica, port2 for the other
 * const port: PortLike = port1;
 * ```
 */
export interface PortLike {
  /**
   * Sends a message (a structured clone of it) to the replica at the other end.
   *
   * @param message - What the collective sends: an object holding a Float64Array.
   * @throws Whatever the transport throws when it cannot send.
   *
   * @example
   * ```ts
   * port.postMessage({ hello: new Float64Array(2) });
   * ```
   */
  postMessage(message: unknown): void;
  /**
   * Calls listener with each message from the other end, as `{ data }`.
   *
   * @param type - 'message'.
   * @param listener - Called with each message event.
   * @throws Nothing a MessagePort throws.
   *
   * @example
   * ```ts
   * port.addEventListener('message', (event) => console.log(event.data));
   * ```
   */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /**
   * Stops calling a listener added before.
   *
   * @param type - 'message'.
   * @param listener - The listener added.
   * @throws Nothing a MessagePort throws.
   *
   * @example
   * ```ts
   * port.removeEventListener('message', listener);
   * ```
   */
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /**
   * Starts delivering the messages that came before a listener (MessagePorts hold them until then).
   *
   * @throws Nothing a MessagePort throws.
   *
   * @example
   * ```ts
   * port.start?.();
   * ```
   */
  start?(): void;
}

/**
 * A Collective over MessagePorts that can let go of its ports.
 *
 * @example
 * ```ts
 * const collective: PortCollective = messagePortCollective({ rank, ports });
 * collective.close(); // when training is over
 * ```
 */
export interface PortCollective extends Collective {
  /**
   * Stops listening on the ports (a Node worker whose ports listen does not exit); a pending
   * all-gather rejects. Idempotent.
   *
   * @example
   * ```ts
   * collective.close();
   * ```
   */
  close(): void;
}

interface Message {
  tag: typeof TAG;
  round: number;
  data?: Float64Array;
  abort?: string;
}

interface Pending {
  round: number;
  got: (Float64Array | undefined)[];
  resolve(all: Float64Array[]): void;
  reject(error: Error): void;
}

/**
 * A collective for `size` replicas, of which this is `rank`: `ports[r]` reaches replica r (and
 * `ports[rank]` is null). Make one MessageChannel per pair of replicas and hand each end to
 * its replica; every replica must call allGather in the same order.
 *
 * @param options - `rank`, and `ports`: one per replica, null at `rank`.
 * @returns The collective, for `new BatchNormalization(..., { collective })`.
 * @throws TypeError when ports is not one port per replica with null at rank.
 * @throws RangeError when rank is not an index of ports.
 *
 * @example
 * ```ts
 * // In worker r of K, given ports[j] for every j !== r (null at r) by the main thread:
 * const collective = messagePortCollective({ rank: r, ports });
 * const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { collective });
 * const y = await bn.forwardAsync(xShard);
 * ```
 */
export function messagePortCollective(options: { rank: number; ports: readonly (PortLike | null)[] }): PortCollective {
  const who = 'messagePortCollective';
  const { rank, ports: given } = options;
  if (!Array.isArray(given)) throw new TypeError(`${who}: options.ports must be an array of MessagePorts, null at options.rank; got ${describe(given)}`);
  const ports = [...given] as (PortLike | null)[];
  const size = ports.length;
  if (!isInteger(rank) || rank < 0 || rank >= size) {
    throw new RangeError(`${who}: options.rank must be an index of options.ports, 0 to ${size - 1}; got ${show(rank)}`);
  }
  ports.forEach((p, r) => {
    if (r === rank ? p !== null : typeof p?.postMessage !== 'function' || typeof p.addEventListener !== 'function') {
      throw new TypeError(`${who}: options.ports[${r}] must be ${r === rank ? 'null (this replica, options.rank)' : 'a MessagePort to replica ' + r}; got ${describe(p)}`);
    }
  });
  let round = 0;
  let pending: Pending | null = null;
  let closed = false;
  const early = new Map<number, { from: number; m: Message }[]>(); // by round: what came before its round began

  const settle = (p: Pending, from: number, m: Message) => {
    if (m.abort !== undefined) {
      pending = null;
      p.reject(new Error(`replica ${from} gave up round ${m.round}: ${m.abort}`));
      return;
    }
    p.got[from] = m.data;
    if (p.got.every((a) => a !== undefined)) {
      pending = null;
      p.resolve(p.got as Float64Array[]);
    }
  };
  const listeners = ports.map((port, from) => {
    if (!port) return null;
    const listener = (event: { data: unknown }) => {
      const m = event.data as Message;
      if (m?.tag !== TAG) return; // someone else's message on this port
      if (pending && m.round === pending.round) settle(pending, from, m);
      else if (m.round > (pending?.round ?? round)) early.set(m.round, [...(early.get(m.round) ?? []), { from, m }]);
      // else: a round already over (given up here, or answered): dropped
    };
    port.addEventListener('message', listener);
    port.start?.();
    return listener;
  });

  return {
    rank,
    size,
    allGather(local, { signal }) {
      if (closed) return Promise.reject(new Error(`${who}: closed`));
      const r = ++round; // early holds this round and later ones only: each round takes its own below
      return new Promise<Float64Array[]>((resolve, reject) => {
        // Listens on the signal while the round is pending only: a caller may pass one signal to many rounds.
        const onAbort = () => {
          pending = null;
          for (const port of ports) port?.postMessage({ tag: TAG, round: r, abort: `rank ${rank} stopped waiting` } satisfies Message);
          p.reject(new Error(`round ${r} aborted`));
        };
        const p: Pending = {
          round: r,
          got: ports.map((port) => (port ? undefined : local)),
          resolve: (all) => { signal.removeEventListener('abort', onAbort); resolve(all); },
          reject: (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
        };
        pending = p;
        if (signal.aborted) return onAbort(); // given up before it began: the peers hear so
        signal.addEventListener('abort', onAbort);
        for (const port of ports) port?.postMessage({ tag: TAG, round: r, data: local } satisfies Message);
        for (const { from, m } of early.get(r) ?? []) if (pending === p) settle(p, from, m);
        early.delete(r);
      });
    },
    close() {
      closed = true;
      ports.forEach((port, r) => port?.removeEventListener('message', listeners[r]!));
      const p = pending;
      pending = null;
      p?.reject(new Error(`${who}: closed`));
    },
  };
}
