// The program each worker thread runs, as source text, so that one file serves Node
// (worker_threads, eval) and browsers (a Blob URL) without a bundler having to find a
// worker entry point. It instantiates the kernels over the shared memory it is sent and
// then loops: wait for the next generation, run its job, count itself done. The wait spins
// for spinMs before it sleeps: waking from Atomics.wait costs tens of microseconds, which
// would otherwise decide the cost of every small threaded call. It instantiates with the
// functions of src/wasm/instantiate.ts, embedded as source text: the same import object.
import { instantiateInWorker, kernelImports } from '../wasm/instantiate.js';
import { ARGS_OFFSET, ARGS_SLOTS, ERROR, COUNT_BITS, EXITED, GEN, MSG_CHARS, MSG_LEN, MSG_OFFSET, OPS, PENDING, READY, RUN } from './protocol.js';

export const workerSource = `'use strict';
${kernelImports.toString()}
${instantiateInWorker.toString()}
const nodePort = typeof self === 'undefined' ? require('node:worker_threads').parentPort : null;
const receive = (fn) => nodePort ? nodePort.once('message', fn) : (self.onmessage = (e) => fn(e.data));
receive(({ module, memory, ctl, index, gen, run, countBase, spinMs }) => {
  const i32 = new Int32Array(memory.buffer, ctl, 8);
  const msg = new Uint16Array(memory.buffer, ctl + ${MSG_OFFSET}, ${MSG_CHARS});
  const args = new Float64Array(memory.buffer, ctl + ${ARGS_OFFSET} + index * ${ARGS_SLOTS * 8}, ${ARGS_SLOTS});
  const fail = (e) => {
    if (Atomics.compareExchange(i32, ${ERROR}, 0, index + 1) !== 0) return;
    const text = String((e && e.message) || e).slice(0, ${MSG_CHARS});
    for (let i = 0; i < text.length; i++) msg[i] = text.charCodeAt(i);
    Atomics.store(i32, ${MSG_LEN}, text.length);
  };
  let runJob = null;
  try {
    const k = ${instantiateInWorker.name}(module, memory);
    const ops = ${JSON.stringify(OPS)}.map((name) => k[name]);
    runJob = () => ops[args[0]](...args.subarray(2, 2 + args[1]));
  } catch (e) {
    fail(e); // every job then reports the failure
  }
  // Counts this worker in READY or EXITED, while the word still belongs to its run (not
  // once a later start has reset it for the next).
  const countIn = (slot) => {
    for (let v = Atomics.load(i32, slot); (v & ${-(1 << COUNT_BITS)}) === countBase;) {
      const was = Atomics.compareExchange(i32, slot, v, v + 1);
      if (was === v) break;
      v = was;
    }
    Atomics.notify(i32, slot);
  };
  countIn(${READY});
  let seen = gen;
  for (;;) {
    for (const t0 = performance.now(); Atomics.load(i32, ${GEN}) === seen && performance.now() - t0 < spinMs;);
    // A wake-up alone is no job: the notify of a generation this worker has already run
    // arrives late when the main thread is descheduled between its add and its notify.
    while (Atomics.load(i32, ${GEN}) === seen) Atomics.wait(i32, ${GEN}, seen);
    seen = Atomics.load(i32, ${GEN});
    if (Atomics.load(i32, ${RUN}) !== run) break;
    if (args[0] !== 0) {
      try {
        if (!runJob) throw new Error('the worker could not instantiate the kernels');
        runJob();
      } catch (e) {
        fail(e);
      }
    }
    if (Atomics.sub(i32, ${PENDING}, 1) === 1) Atomics.notify(i32, ${PENDING});
  }
  countIn(${EXITED}); // after shutdown: no job of this worker touches memory any more
  if (nodePort) nodePort.close(); else self.close();
});
`;
