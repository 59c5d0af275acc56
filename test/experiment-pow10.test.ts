// pow10, which logspace uses so that Node and the page get the same weight scales: checked
// against values computed independently (Python's decimal module at 70 digits, then rounded
// to double), decimal literals, and the engine's own ** (within one ulp, its usual accuracy).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pow10 } from '../experiment/pow10.js';

/** Distance in units in the last place between two positive doubles. */
function ulps(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  return Number(view.getBigInt64(0) - view.getBigInt64(8));
}

describe('pow10', () => {
  it('is correctly rounded where the decimal computation says, engines\' ** aside', () => {
    // float(exp(Decimal(e) * Decimal(10).ln())) with 70 significant digits.
    const decimal: [number, number][] = [
      [(-4 * 5) / 7, 0.0013894954943731374], // logspace(0, -4, 8)[5]
      [(-4 * 2) / 15, 0.2928644564625237], // logspace(0, -4, 16)[2..4] and [8]
      [(-4 * 3) / 15, 0.15848931924611134], // Node 20's 10 ** e: ...132
      [(-4 * 4) / 15, 0.08576958985908942],
      [(-4 * 8) / 15, 0.007356422544596414],
      [-2.5, 0.0031622776601683794],
      [0.3, 1.9952623149688795],
      [7.77, 58884365.53555884], // Node 20's 10 ** e: ...835
      [-123.456, 3.499451670283548e-124],
      [250.5, 3.162277660168379e250],
    ];
    for (const [e, v] of decimal) expect(pow10(e), `10^${e}`).toBe(v);
  });

  it('gives the integer powers exactly as their decimal literals', () => {
    for (let k = -300; k <= 300; k++) expect(pow10(k), `10^${k}`).toBe(Number(`1e${k}`));
  });

  it("stays within one ulp of the engine's ** (fast-check, seed 10)", () => {
    fc.assert(
      fc.property(fc.double({ min: -300, max: 300, noNaN: true }), (e) => {
        expect(Math.abs(ulps(pow10(e), 10 ** e)), `10^${e}`).toBeLessThanOrEqual(1);
      }),
      { seed: 10, numRuns: 2000 },
    );
  });

  it('names the argument and the value it rejects', () => {
    for (const e of [NaN, Infinity, -301, 300.5]) {
      expect(() => pow10(e)).toThrow(new RangeError(`pow10: e must be a finite number from -300 to 300; got ${e}`));
    }
  });
});
