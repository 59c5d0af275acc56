// Runs one fixture case (format bn-seed-fixture/v1) on a layer and reports every
// compared array whose error exceeds the case's tolerance. Browser-safe: no Node APIs.
import { BatchNormalization, type BackendName, type DType } from '../../src/index.js';
import { worstError, type Tolerance } from './compare.js';

interface ArrayJson {
  shape: number[];
  data: number[];
}

export interface FixtureCase {
  name: string;
  eps: number;
  momentum: number;
  f64_only: boolean;
  gamma: ArrayJson;
  beta: ArrayJson;
  initial_running_mean: ArrayJson | null;
  initial_running_var: ArrayJson | null;
  tolerance: { f64: Tolerance; f32: Tolerance | null };
  steps: Array<
    | { op: 'forward'; train: boolean; x: ArrayJson; expected: Record<string, ArrayJson> }
    | { op: 'backward'; dout: ArrayJson; expected: Record<string, ArrayJson> }
  >;
}

/**
 * Failures as readable lines; an empty list means the case passed. A float64 layer is given
 * the case's numbers as they are (Float64Arrays) and held to tol, by default the case's f64
 * tolerance; a float32 one gets them rounded, held to the case's f32 tolerance.
 */
export function runFixture(fx: FixtureCase, backend: BackendName, dtype: DType = 'float32', tolerance?: Tolerance): string[] {
  const tol = tolerance ?? (dtype === 'float64' ? fx.tolerance.f64 : fx.tolerance.f32);
  if (!tol) throw new Error(`${fx.name} has no ${dtype} tolerance`);
  const Floats = dtype === 'float64' ? Float64Array : Float32Array;
  const bn = new BatchNormalization(
    new Floats(fx.gamma.data), new Floats(fx.beta.data), fx.momentum,
    fx.initial_running_mean && new Floats(fx.initial_running_mean.data),
    fx.initial_running_var && new Floats(fx.initial_running_var.data),
    { eps: fx.eps, backend, dtype },
  );
  const failures: string[] = [];
  const check = (step: number, name: string, actual: ArrayLike<number> | null, expected: ArrayJson) => {
    const { ratio, index } = worstError(actual ?? [], expected.data, tol);
    if (!(ratio <= 1)) {
      failures.push(`${fx.name} step ${step} ${name}[${index}]: got ${actual?.[index]}, expected ${expected.data[index]} (${ratio.toFixed(2)}x the tolerance)`);
    }
  };
  try {
    fx.steps.forEach((s, i) => {
      if (s.op === 'forward') {
        const y = bn.forward({ data: new Floats(s.x.data), shape: s.x.shape }, s.train);
        if (y.shape.join() !== s.x.shape.join()) failures.push(`${fx.name} step ${i}: shape ${y.shape} != ${s.x.shape}`);
        check(i, 'out', y.data, s.expected.out);
        check(i, 'running_mean', bn.runningMean, s.expected.running_mean);
        check(i, 'running_var', bn.runningVar, s.expected.running_var);
      } else {
        const dx = bn.backward({ data: new Floats(s.dout.data), shape: s.dout.shape });
        check(i, 'dx', dx.data, s.expected.dx);
        check(i, 'dgamma', bn.dgamma, s.expected.dgamma);
        check(i, 'dbeta', bn.dbeta, s.expected.dbeta);
      }
    });
  } finally {
    bn.dispose();
  }
  return failures;
}
