// One replica of test/sync-processes.test.ts, in its own process: its ports to the other
// replicas are the parent's IPC channel, which relays { to, m } as { from, m }. It trains the
// layer the parent describes on its rows and sends back what the parent compares.
import { BatchNormalization, init, messagePortCollective } from '../../dist/index.js';

const listeners = new Map(); // peer rank -> its message listeners
const queued = new Map(); // peer rank -> messages that came before a listener, as a MessagePort keeps them
process.on('message', (msg) => {
  if (msg.from === undefined) {
    if (msg.start) run(msg.start).catch((e) => process.send({ error: String(e?.stack ?? e) }));
    return;
  }
  const fns = listeners.get(msg.from) ?? [];
  if (fns.length === 0) queued.set(msg.from, [...(queued.get(msg.from) ?? []), msg.m]);
  for (const fn of fns) fn({ data: msg.m });
});

// A port to peer j over the IPC channel.
const portTo = (j) => ({
  postMessage: (m) => process.send({ to: j, m }),
  addEventListener: (_, fn) => listeners.set(j, [...(listeners.get(j) ?? []), fn]),
  removeEventListener: (_, fn) => listeners.set(j, (listeners.get(j) ?? []).filter((f) => f !== fn)),
  start: () => {
    const early = queued.get(j) ?? [];
    queued.delete(j);
    for (const m of early) for (const fn of listeners.get(j) ?? []) fn({ data: m });
  },
});

async function run({ rank, size, backend, gamma, beta, inner, steps, infer }) {
  await init();
  const ports = Array.from({ length: size }, (_, j) => (j === rank ? null : portTo(j)));
  const collective = messagePortCollective({ rank, ports });
  const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, axis: 1, collective, syncTimeoutMs: 20_000 });
  const out = [];
  for (const { x, dy } of steps) {
    const y = await bn.forwardAsync({ data: x, shape: [x.length / inner.reduce((a, b) => a * b), ...inner] });
    const dx = await bn.backwardAsync({ data: dy, shape: y.shape });
    out.push({ y: y.data, dx: dx.data, dgamma: bn.dgamma, dbeta: bn.dbeta, runningMean: Float32Array.from(bn.runningMean), runningVar: Float32Array.from(bn.runningVar) });
    for (let c = 0; c < gamma.length; c++) bn.gamma[c] -= 0.01 * c; // the same step on every replica
  }
  const yInfer = bn.forward({ data: infer, shape: [infer.length / inner.reduce((a, b) => a * b), ...inner] }, false).data;
  collective.close();
  process.send({ result: { steps: out, yInfer } });
}
