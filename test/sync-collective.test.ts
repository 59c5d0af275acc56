// What synchronized replicas exchange (src/sync/collective.ts), with collectives made here:
// the merged statistics against a float64 two-pass computation over the concatenated rows,
// the same bits on every replica, and each wrong answer of a collective named.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Exchanger, ExchangeKind, HEADER, packExchange, readCollective, type Collective } from '../src/sync/collective.js';

const exchange = (packed: Float64Array, s: NonNullable<ReturnType<typeof readCollective>>, who: string) => new Exchanger(s).exchange(packed, who);
import { messagePortCollective } from '../src/sync/message-port.js';
import { seeded } from './helpers/seeded.js';

const who = 'test';

// One replica's rows of C channels: its packed statistics (two-pass f64 over its rows).
function statsOf(rows: Float32Array[], C: number): Float64Array {
  const p = packExchange(ExchangeKind.Stats, C, rows.length);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (const r of rows) s += r[c];
    const mean = s / rows.length;
    let m2 = 0;
    for (const r of rows) m2 += (r[c] - mean) ** 2;
    p[HEADER + c] = mean;
    p[HEADER + C + c] = m2;
  }
  return p;
}

// Every replica's exchange run with an all-gather that hands each the same list.
async function runAll(parts: Float64Array[], timeoutMs = 1000): Promise<{ packed: Float64Array[]; counts: number[] }> {
  const sent: Float64Array[] = [];
  const collective = (rank: number): Collective => ({
    rank, size: parts.length,
    allGather: async (local) => {
      sent[rank] = local;
      await new Promise((r) => setTimeout(r, 1));
      return parts.map((_, r) => sent[r]);
    },
  });
  const packed = parts.map((p) => p.slice());
  const counts = await Promise.all(packed.map((p, r) => exchange(p, readCollective(collective(r), timeoutMs, who)!, who)));
  return { packed, counts };
}

describe('exchange: the statistics of the whole batch', () => {
  it.each([[[7, 8, 1, 16]], [[5]], [[3, 3]], [[1, 1, 1]]])('replicas of %j rows merge to the two-pass statistics of all rows, the same bits on each', async (sizes) => {
    const C = 5;
    const data = seeded(C * sizes.reduce((a, b) => a + b), 11, 1e4, 3); // rows far from 0: the merge must not cancel
    let row = 0;
    const shards = sizes.map((n) => Array.from({ length: n }, () => data.subarray(C * row, C * ++row)));
    const { packed, counts } = await runAll(shards.map((rows) => statsOf(rows, C)));
    const all = statsOf(shards.flat(), C);
    for (const p of packed) {
      expect(Array.from(p)).toEqual(Array.from(packed[0])); // the same bits on every replica
    }
    expect(counts).toEqual(sizes.map(() => sizes.reduce((a, b) => a + b)));
    expect(packed[0][2]).toBe(counts[0]);
    for (let c = 0; c < C; c++) {
      expect(packed[0][HEADER + c]).toBeCloseTo(all[HEADER + c], 9);
      expect(Math.abs(packed[0][HEADER + C + c] - all[HEADER + C + c]) / all[HEADER + C + c]).toBeLessThan(1e-12);
    }
  });

  it('sums of a backward add up in rank order, and count the rows', async () => {
    const C = 3;
    const parts = [2, 5, 1].map((n, r) => {
      const p = packExchange(ExchangeKind.Sums, C, n);
      p.set(Array.from({ length: 2 * C }, (_, i) => (r + 1) * 10 + i), HEADER);
      return p;
    });
    const { packed, counts } = await runAll(parts);
    expect(counts).toEqual([8, 8, 8]);
    expect(packed[1][2]).toBe(8);
    expect(Array.from(packed[1].subarray(HEADER))).toEqual(Array.from({ length: 2 * C }, (_, i) => 60 + 3 * i));
  });
});

describe('exchange: a collective that answers wrongly is named, with what was wrong', () => {
  const C = 2;
  const local = () => statsOf([seeded(C, 1), seeded(C, 2)], C);
  const run = (allGather: Collective['allGather'], rank = 0, size = 2, timeoutMs = 200) =>
    exchange(local(), readCollective({ rank, size, allGather }, timeoutMs, who)!, who);

  it('rejects: the error names allGather and carries the cause', async () => {
    const cause = new Error('socket closed');
    const e = await run(() => Promise.reject(cause)).catch((x) => x);
    expect(e.message).toBe('test: options.collective.allGather rejected: socket closed');
    expect(e.cause).toBe(cause);
    await expect(run(() => { throw new Error('sync throw'); })).rejects.toThrow('allGather rejected: sync throw');
  });

  it('hangs: it times out, and the signal tells the collective to stop', async () => {
    let signal: AbortSignal | undefined;
    const e = await run((_, o) => { signal = o.signal; return new Promise(() => {}); }, 0, 2, 30).catch((x) => x);
    expect(e.message).toBe('test: options.collective.allGather did not settle within 30 ms (options.syncTimeoutMs); a replica may have failed or not called');
    expect(signal?.aborted).toBe(true);
  });

  it('wrong count, length, kind, rank order or count field', async () => {
    const other = local();
    await expect(run(async (l) => [l])).rejects.toThrow(new RangeError('test: options.collective.allGather resolved with 1 arrays; expected 2 (collective.size), one per replica'));
    await expect(run(async (l) => [l, other.slice(0, 6)])).rejects.toThrow(/resolved with an array of length 6 for replica 1; expected 7 \(a training forward's statistics of 2 channels, as this replica sent\)$/);
    const sums = packExchange(ExchangeKind.Sums, C, 2);
    await expect(run(async (l) => [l, sums])).rejects.toThrow(/replica 1 sent a backward's sums while this replica \(rank 0\) sent a training forward's statistics: the replicas are out of step$/);
    await expect(run(async (l) => [l.map((v, i) => (i < HEADER ? v : v + 1)), l])).rejects.toThrow(/resolved with another array than this replica's at its rank 0: the order is not rank order$/);
    const zero = other.slice();
    zero[2] = 0;
    await expect(run(async (l) => [l, zero])).rejects.toThrow(/replica 1 sent a count of 0; expected an integer > 0$/);
    await expect(run(async (l) => [l, Array.from(other)] as never)).rejects.toThrow(/resolved with an Array of length 7 for replica 1; expected a Float64Array$/);
    await expect(run(async () => 'x' as never)).rejects.toThrow(/must resolve with an array of 2 Float64Arrays \(one per replica\); got the string "x"$/);
  });

  it('a header that is no exchange of this kind and these channels, at the right length', async () => {
    const headed = (kind: number, C: number) => { const a = local(); a[0] = kind; a[1] = C; return a; };
    await expect(run(async (l) => [l, headed(7, 2)])).rejects.toThrow(new RangeError('test: options.collective.allGather resolved with an array headed [7, 2] for replica 1; expected [1, 2] (a training forward\'s statistics of 2 channels, as this replica sent)'));
    await expect(run(async (l) => [l, headed(1, 3)])).rejects.toThrow(/resolved with an array headed \[1, 3\] for replica 1; expected \[1, 2\]/);
    // Too short to hold a header: its length is what is wrong, whatever its first element.
    await expect(run(async (l) => [l, Float64Array.of(ExchangeKind.Sums)])).rejects.toThrow(/resolved with an array of length 1 for replica 1; expected 7/);
    // Just a header, of the other pass: out of step.
    await expect(run(async (l) => [l, Float64Array.of(ExchangeKind.Sums, 2, 2)])).rejects.toThrow(/replica 1 sent a backward's sums while this replica \(rank 0\) sent a training forward's statistics/);
  });

  it("out of step from a backward's side: a peer sent statistics", async () => {
    const sums = packExchange(ExchangeKind.Sums, C, 2);
    const e = await exchange(sums, readCollective({ rank: 1, size: 2, allGather: async (l: Float64Array) => [local(), l] }, 200, who)!, who).catch((x) => x);
    expect(e).toEqual(new RangeError("test: options.collective.allGather: replica 0 sent a training forward's statistics while this replica (rank 1) sent a backward's sums: the replicas are out of step"));
  });

  it("this replica's own array may come back as a copy (a structured clone): compared by value", async () => {
    const other = local();
    await expect(run(async (l) => [l.slice(), other])).resolves.toBe(4);
    await expect(run(async (l) => [Float64Array.from(l, (v, i) => (i === 3 ? -0 * v : v)), other])).rejects.toThrow(/another array than this replica's at its rank 0/);
  });

  it('a rejection aborts the signal it was given', async () => {
    let signal: AbortSignal | undefined;
    await expect(run((_, o) => { signal = o.signal; return Promise.reject(new Error('peer lost')); })).rejects.toThrow('allGather rejected: peer lost');
    expect(signal?.aborted).toBe(true);
  });

  it('an exchange that settles in time leaves no timer behind: its signal is never aborted', async () => {
    let signal: AbortSignal | undefined;
    await expect(run(async (l, o) => { signal = o.signal; return [l, local()]; }, 0, 2, 20)).resolves.toBe(4);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal?.aborted).toBe(false);
  });

  it('syncTimeoutMs Infinity waits as long as it takes (a timer of Infinity would fire at once)', async () => {
    const slow = async (l: Float64Array) => { await new Promise((r) => setTimeout(r, 30)); return [l, local()]; };
    await expect(run(slow, 0, 2, Infinity)).resolves.toBe(4);
  });
});

describe('Exchanger: two buffers of its own, used in turn', () => {
  it('what an exchange sent stays as sent through the next exchange, and its buffer is used again the one after', async () => {
    const C = 2;
    const sent: Float64Array[] = [];
    const copies: number[][] = [];
    const s = readCollective({ rank: 0, size: 1, allGather: async (l: Float64Array) => { sent.push(l); copies.push(Array.from(l)); return [l]; } }, 200, who)!;
    const ex = new Exchanger(s);
    for (let i = 0; i < 4; i++) {
      const p = packExchange(ExchangeKind.Sums, C, i + 1);
      p.fill(i + 10, HEADER);
      await ex.exchange(p, who);
      if (i > 0) expect(Array.from(sent[i - 1]), `exchange ${i - 1} after exchange ${i}`).toEqual(copies[i - 1]);
    }
    expect(sent[2]).toBe(sent[0]);
    expect(sent[3]).toBe(sent[1]);
    expect(sent[1]).not.toBe(sent[0]);
    // A packed exchange of another length gets buffers of its length.
    await ex.exchange(packExchange(ExchangeKind.Sums, 3, 1), who);
    expect(sent[4].length).toBe(HEADER + 6);
  });

  it('packExchange writes its header into reuse when reuse has the length, else into a new array', () => {
    const reuse = new Float64Array(HEADER + 2 * 4).fill(9);
    const p = packExchange(ExchangeKind.Stats, 4, 12, reuse);
    expect(p).toBe(reuse);
    expect(Array.from(p.subarray(0, HEADER))).toEqual([ExchangeKind.Stats, 4, 12]);
    expect(p[HEADER]).toBe(9); // the parts are the caller's to fill
    const q = packExchange(ExchangeKind.Sums, 3, 5, reuse);
    expect(q).not.toBe(reuse);
    expect(Array.from(q)).toEqual([ExchangeKind.Sums, 3, 5, 0, 0, 0, 0, 0, 0]);
  });
});

describe('readCollective: the option checked once', () => {
  const gather = async () => [];
  it.each([
    [{ rank: 0, size: 1 }, undefined, /options\.collective\.allGather must be a function; got undefined/],
    [{ rank: 2, size: 2, allGather: gather }, undefined, /options\.collective\.rank must be an integer in \[0, 1\] \(collective\.size 2\); got 2/],
    [{ rank: 0, size: 0, allGather: gather }, undefined, /options\.collective\.size must be an integer >= 1 \(the number of replicas\); got 0/],
    [{ rank: 0, size: 1, allGather: gather }, 0, /options\.syncTimeoutMs must be a number of milliseconds > 0 \(Infinity: no limit\); got 0/],
    ['ring', undefined, /options\.collective must be an object \{ rank, size, allGather \}; got the string "ring"/],
    [{ rank: 0, size: 1.5, allGather: gather }, undefined, /options\.collective\.size must be an integer >= 1 \(the number of replicas\); got 1\.5/],
    [{ rank: 0, size: '2', allGather: gather }, undefined, /options\.collective\.size must be an integer >= 1 \(the number of replicas\); got "2"/],
    [{ rank: -1, size: 2, allGather: gather }, undefined, /options\.collective\.rank must be an integer in \[0, 1\] \(collective\.size 2\); got -1/],
    [{ rank: 0.5, size: 2, allGather: gather }, undefined, /options\.collective\.rank must be an integer in \[0, 1\] \(collective\.size 2\); got 0\.5/],
    [{ rank: '0', size: 2, allGather: gather }, undefined, /options\.collective\.rank must be an integer in \[0, 1\] \(collective\.size 2\); got "0"/],
    [{ rank: 0, size: 1, allGather: gather }, '5', /options\.syncTimeoutMs must be a number of milliseconds > 0 \(Infinity: no limit\); got "5"/],
    [{ rank: 0, size: 1, allGather: gather }, NaN, /options\.syncTimeoutMs must be a number of milliseconds > 0 \(Infinity: no limit\); got NaN/],
  ])('%j, timeout %j', (value, timeout, message) => {
    expect(() => readCollective(value, timeout, who)).toThrow(message);
  });
  it('reads each property once, getters included', () => {
    let reads = 0;
    const c = { get rank() { reads++; return 0; }, get size() { reads++; return 1; }, get allGather() { reads++; return gather; } };
    const s = readCollective(c, undefined, who)!;
    expect(reads).toBe(3);
    expect(s.timeoutMs).toBe(60_000);
    expect(readCollective(undefined, undefined, who)).toBeUndefined();
    expect(readCollective(null, undefined, who)).toBeUndefined();
    expect(() => readCollective(null, 5, who)).toThrow(/options\.syncTimeoutMs needs options\.collective/);
    expect(() => readCollective(undefined, 5, who)).toThrow(/options\.syncTimeoutMs needs options\.collective/);
  });
});

describe('messagePortCollective', () => {
  // K replicas in this thread, one MessageChannel per pair.
  function mesh(K: number) {
    const ports = Array.from({ length: K }, () => new Array(K).fill(null));
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a][b] = port1;
        ports[b][a] = port2;
      }
    }
    return ports.map((p, rank) => messagePortCollective({ rank, ports: p }));
  }
  const none = { signal: new AbortController().signal };

  it('gathers every replica in rank order, round after round, a fast replica a round ahead', async () => {
    const cs = mesh(3);
    try {
      for (let round = 0; round < 3; round++) {
        const all = await Promise.all(cs.map((c, r) => c.allGather(Float64Array.of(r, round), none)));
        for (const got of all) expect(got.map((a) => Array.from(a))).toEqual([[0, round], [1, round], [2, round]]);
      }
      // Replica 0 starts round 4 before the others answer it.
      const first = cs[0].allGather(Float64Array.of(0, 9), none);
      await new Promise((r) => setTimeout(r, 5));
      const rest = await Promise.all(cs.slice(1).map((c, i) => c.allGather(Float64Array.of(i + 1, 9), none)));
      expect((await first).map((a) => a[0])).toEqual([0, 1, 2]);
      expect(rest[1].map((a) => a[0])).toEqual([0, 1, 2]);
    } finally {
      cs.forEach((c) => c.close());
    }
  });

  it('a replica that gives up a round makes its peers fail that round at once', async () => {
    const cs = mesh(3);
    try {
      const stop = new AbortController();
      const mine = cs[0].allGather(Float64Array.of(0), { signal: stop.signal });
      const peer = cs[1].allGather(Float64Array.of(1), none); // replica 2 never calls
      stop.abort();
      await expect(mine).rejects.toThrow('round 1 aborted');
      await expect(peer).rejects.toThrow('replica 0 gave up round 1: rank 0 stopped waiting');
    } finally {
      cs.forEach((c) => c.close());
    }
  });

  it('checks its ports, and close() rejects what is pending', async () => {
    expect(() => messagePortCollective({ rank: 1, ports: [null, null] })).toThrow(/options\.ports\[0\] must be a MessagePort to replica 0; got null/);
    expect(() => messagePortCollective({ rank: 2, ports: [null, null] })).toThrow(/options\.rank must be an index of options\.ports, 0 to 1; got 2/);
    const [a, b] = mesh(2);
    const pending = a.allGather(Float64Array.of(1), none);
    a.close();
    b.close();
    await expect(pending).rejects.toThrow('messagePortCollective: closed');
  });
});
