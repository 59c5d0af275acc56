// Options for fast-check: a fixed seed, so that CI runs the same cases every time, and a
// way to run others locally: BN_SEED=<n> picks the seed, BN_RUNS=<n> multiplies nothing but
// sets the number of runs of every property (BN_RUNS=20000 npm test). fast-check prints the
// seed and the shrunk counterexample of a failure; the message below adds how to rerun it.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

export const SEED = Number(env.BN_SEED ?? 20261201);

export function propertyOptions(defaultRuns: number): { seed: number; numRuns: number; reporter?: never } {
  return { seed: SEED, numRuns: Number(env.BN_RUNS ?? defaultRuns) };
}

export const RERUN_HINT = `rerun with BN_SEED=${SEED} (and BN_RUNS to change the number of cases)`;
