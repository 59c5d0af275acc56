// messagePortCollective (src/sync/message-port.ts) over ports whose messages wait until the
// test delivers them, so that every order of arrival can be tried: a peer a round ahead,
// messages of others on the same port, an abort after the round, close(). Over real
// MessageChannels: sync-collective.test.ts; across processes: sync-processes.test.ts.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { messagePortCollective, type PortCollective, type PortLike } from '../src/sync/message-port.js';

const TAG = 'batchnorm-wasm/allgather'; // the messages' tag, as documented on PortLike

// One end of a pair: what is posted goes (a structured clone) into the other end's inbox,
// and reaches its listeners when the test calls deliver(), once the end is started.
class QueuedPort implements PortLike {
  peer!: QueuedPort;
  readonly inbox: unknown[] = [];
  readonly posted: unknown[] = [];
  readonly listeners = new Set<(event: { data: unknown }) => void>();
  started = false;
  postMessage(message: unknown): void {
    this.posted.push(message);
    this.peer.inbox.push(structuredClone(message));
  }
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void {
    if (type === 'message') this.listeners.add(listener);
  }
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void {
    if (type === 'message') this.listeners.delete(listener);
  }
  start(): void {
    this.started = true;
  }
  /** Delivers the first n messages waiting here. */
  deliver(n = Infinity): void {
    if (!this.started) throw new Error('a port delivers nothing before start()');
    for (; n > 0 && this.inbox.length; n--) {
      const data = this.inbox.shift();
      for (const l of this.listeners) l({ data });
    }
  }
}

// K replicas: ports[a][b] is a's end towards b, where b's messages to a arrive.
function mesh(K: number): { ports: (QueuedPort | null)[][]; cs: PortCollective[] } {
  const ports: (QueuedPort | null)[][] = Array.from({ length: K }, () => new Array(K).fill(null));
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++) {
      const [x, y] = [new QueuedPort(), new QueuedPort()];
      x.peer = y;
      y.peer = x;
      ports[a][b] = x;
      ports[b][a] = y;
    }
  }
  return { ports, cs: ports.map((p, rank) => messagePortCollective({ rank, ports: p })) };
}
const deliverAll = (ports: (QueuedPort | null)[][]) => ports.flat().forEach((p) => p?.deliver());
const none = () => ({ signal: new AbortController().signal });
const firsts = (all: readonly Float64Array[]) => all.map((a) => a[0]);

describe('its arguments', () => {
  const [a, b] = [new QueuedPort(), new QueuedPort()];
  it.each([
    [{ rank: 0, ports: 'ab' }, TypeError, 'messagePortCollective: options.ports must be an array of MessagePorts, null at options.rank; got the string "ab"'],
    [{ rank: -1, ports: [null, a] }, RangeError, 'messagePortCollective: options.rank must be an index of options.ports, 0 to 1; got -1'],
    [{ rank: 0.5, ports: [null, a] }, RangeError, 'messagePortCollective: options.rank must be an index of options.ports, 0 to 1; got 0.5'],
    [{ rank: '0', ports: [null, a] }, RangeError, 'messagePortCollective: options.rank must be an index of options.ports, 0 to 1; got "0"'],
    [{ rank: 1, ports: [a, b] }, TypeError, /^messagePortCollective: options\.ports\[1\] must be null \(this replica, options\.rank\); got /],
    [{ rank: 0, ports: [null, { postMessage() {} }] }, TypeError, /^messagePortCollective: options\.ports\[1\] must be a MessagePort to replica 1; got /],
    [{ rank: 0, ports: [null, { addEventListener() {} }] }, TypeError, /^messagePortCollective: options\.ports\[1\] must be a MessagePort to replica 1; got /],
  ])('%j', (options, type, message) => {
    expect(() => messagePortCollective(options as never)).toThrow(type);
    expect(() => messagePortCollective(options as never)).toThrow(message);
  });

  it('a port without start() (an IPC channel, a socket) is used as it is; a MessagePort is started', async () => {
    const { ports, cs } = mesh(2);
    expect(ports[0][1]!.started && ports[1][0]!.started).toBe(true);
    const bare = { postMessage: (m: unknown) => ports[0][1]!.postMessage(m), addEventListener: ports[0][1]!.addEventListener.bind(ports[0][1]), removeEventListener() {} };
    const c = messagePortCollective({ rank: 0, ports: [null, bare] });
    const mine = c.allGather(Float64Array.of(5), none());
    const theirs = cs[1].allGather(Float64Array.of(6), none());
    deliverAll(ports);
    expect(firsts(await mine)).toEqual([5, 6]);
    expect(firsts(await theirs)).toEqual([5, 6]);
  });
});

describe('rounds', () => {
  it('each message is { tag, round, data }, or { tag, round, abort } for a round given up', async () => {
    const { ports, cs } = mesh(2);
    const data = Float64Array.of(1, 2);
    void cs[0].allGather(data, none());
    expect(ports[0][1]!.posted).toEqual([{ tag: TAG, round: 1, data }]);
    const stop = new AbortController();
    const given = cs[1].allGather(Float64Array.of(3), { signal: stop.signal });
    stop.abort();
    await expect(given).rejects.toThrow('round 1 aborted');
    expect(ports[1][0]!.posted).toEqual([{ tag: TAG, round: 1, data: Float64Array.of(3) }, { tag: TAG, round: 1, abort: 'rank 1 stopped waiting' }]);
  });

  it("others' messages on the same port are left alone", async () => {
    const { ports, cs } = mesh(2);
    const theirs = [null, undefined, 'hello', { tag: 'other' }, { tag: TAG }, { tag: TAG, round: '1', data: Float64Array.of(9) }];
    for (const m of theirs) ports[1][0]!.postMessage(m);
    const mine = cs[0].allGather(Float64Array.of(0), none());
    ports[0][1]!.deliver(); // theirs first: none of them is replica 1's array
    const peer = cs[1].allGather(Float64Array.of(1), none());
    deliverAll(ports);
    expect(firsts(await mine)).toEqual([0, 1]);
    expect(firsts(await peer)).toEqual([0, 1]);
  });

  it('a peer a round ahead, while this replica still waits for another: its next array waits for the next round', async () => {
    const { ports, cs } = mesh(3);
    const r1 = cs.map((c, r) => c.allGather(Float64Array.of(r, 1), none()));
    // Everything but replica 2's array to replica 0 (at ports[0][2]) arrives: replicas 1 and 2 finish round 1.
    for (const [a, b] of [[0, 1], [1, 0], [1, 2], [2, 0], [2, 1]]) ports[a][b]!.deliver();
    expect(firsts(await r1[1])).toEqual([0, 1, 2]);
    expect(firsts(await r1[2])).toEqual([0, 1, 2]);
    // Replica 1 begins round 2; its array reaches replica 0 before replica 2's of round 1.
    const r2of1 = cs[1].allGather(Float64Array.of(1, 2), none());
    ports[0][1]!.deliver();
    ports[0][2]!.deliver();
    expect((await r1[0]).map((a) => Array.from(a))).toEqual([[0, 1], [1, 1], [2, 1]]);
    const r2 = [cs[0].allGather(Float64Array.of(0, 2), none()), r2of1, cs[2].allGather(Float64Array.of(2, 2), none())];
    deliverAll(ports);
    for (const got of await Promise.all(r2)) expect(got.map((a) => Array.from(a))).toEqual([[0, 2], [1, 2], [2, 2]]);
  });

  it('a signal aborted after its round was answered sends nothing and changes nothing', async () => {
    const { ports, cs } = mesh(2);
    const stop = new AbortController();
    const mine = cs[0].allGather(Float64Array.of(0), { signal: stop.signal });
    const peer = cs[1].allGather(Float64Array.of(1), none());
    deliverAll(ports);
    expect(firsts(await mine)).toEqual([0, 1]);
    await peer;
    stop.abort();
    expect(ports[0][1]!.posted).toHaveLength(1); // the array only
    const next = [cs[0].allGather(Float64Array.of(0), none()), cs[1].allGather(Float64Array.of(1), none())];
    deliverAll(ports);
    expect((await Promise.all(next)).map(firsts)).toEqual([[0, 1], [0, 1]]);
  });

  it("a peer's array of a round given up here arrives late: dropped, and the next round gathers the next arrays", async () => {
    const { ports, cs } = mesh(2);
    const stop = new AbortController();
    const mine = cs[0].allGather(Float64Array.of(0, 1), { signal: stop.signal });
    stop.abort();
    await expect(mine).rejects.toThrow('round 1 aborted');
    const peer = cs[1].allGather(Float64Array.of(1, 1), none());
    ports[0][1]!.deliver(); // replica 1's array of round 1, after replica 0 gave that round up
    ports[1][0]!.deliver();
    // Replica 1 had replica 0's array before its abort: it has the round whole.
    expect((await peer).map((a) => Array.from(a))).toEqual([[0, 1], [1, 1]]);
    const next = [cs[0].allGather(Float64Array.of(0, 2), none()), cs[1].allGather(Float64Array.of(1, 2), none())];
    deliverAll(ports);
    for (const got of await Promise.all(next)) expect(got.map((a) => Array.from(a))).toEqual([[0, 2], [1, 2]]);
  });

  it('a signal aborted before the call: the round is given up at once, and the peers hear so', async () => {
    const { ports, cs } = mesh(2);
    const peer = cs[1].allGather(Float64Array.of(1), none());
    await expect(cs[0].allGather(Float64Array.of(0), { signal: AbortSignal.abort() })).rejects.toThrow('round 1 aborted');
    deliverAll(ports);
    await expect(peer).rejects.toThrow('replica 0 gave up round 1: rank 0 stopped waiting');
  });

  it('one signal for many rounds: each round stops listening on it when it ends', async () => {
    const { ports, cs } = mesh(2);
    const signal = new AbortController().signal;
    for (let i = 0; i < 12; i++) {
      const both = [cs[0].allGather(Float64Array.of(0), { signal }), cs[1].allGather(Float64Array.of(1), { signal })];
      expect(getEventListeners(signal, 'abort')).toHaveLength(2);
      deliverAll(ports);
      await Promise.all(both);
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const given = cs[0].allGather(Float64Array.of(0), { signal });
    cs[0].close();
    await expect(given).rejects.toThrow('messagePortCollective: closed');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('close()', () => {
  it('removes its listeners from every port, rejects what is pending and every later call; twice is fine', async () => {
    const { ports, cs } = mesh(3);
    const pending = cs[0].allGather(Float64Array.of(0), none());
    const own = [ports[0][1]!, ports[0][2]!];
    expect(own.map((p) => p.listeners.size)).toEqual([1, 1]);
    cs[0].close();
    expect(own.map((p) => p.listeners.size)).toEqual([0, 0]);
    await expect(pending).rejects.toThrow(new Error('messagePortCollective: closed'));
    await expect(cs[0].allGather(Float64Array.of(0), none())).rejects.toThrow(new Error('messagePortCollective: closed'));
    expect(() => cs[0].close()).not.toThrow();
    expect(ports[0][1]!.posted).toHaveLength(1); // the later call sent nothing
  });
});
