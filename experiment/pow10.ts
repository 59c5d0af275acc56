// 10^e rounded to the nearest double, from + - * / alone. JavaScript engines' `**` differ in
// the last bit: of the 2,079 exponents of logspace(0, -4, n) for n = 2..64, Node 20's is one
// ulp off for 238 and Chromium 150's for 1, which gave the page and `npm start` initStd values
// one ulp apart. IEEE arithmetic is the same everywhere, so this is too; it is also correctly
// rounded but for results within ~2^-100 of a tie (checked for those 2,079).
//
// Method: t = e · ln 10 in double-double (two doubles, about 106 bits), t = k · ln 2 + r with
// |r| <= ln 2 / 2, exp(r) by its Taylor series in double-double, rounded once, times 2^k.

type DD = readonly [hi: number, lo: number];

// ln 10 and ln 2 as double + remainder (the remainders from 80-digit decimal arithmetic).
const LN10: DD = [2.302585092994046, -2.1707562233822494e-16];
const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

/** a + b exactly, as the rounded sum and its error (Knuth). */
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const v = s - a;
  return [s, a - (s - v) + (b - v)];
}

/** Renormalises hi + lo with |lo| small against hi. */
function fastTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

/** a · b exactly, as the rounded product and its error (Dekker, Veltkamp's split: no FMA). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const SPLIT = 134217729; // 2^27 + 1
  const ca = SPLIT * a, cb = SPLIT * b;
  const ah = ca - (ca - a), al = a - ah;
  const bh = cb - (cb - b), bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  return fastTwoSum(s, e + a[1] + b[1]);
}

function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return fastTwoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

/** a / d for a small positive integer d. */
function divInt(a: DD, d: number): DD {
  const q = a[0] / d;
  const [p, pe] = twoProd(q, d);
  return fastTwoSum(q, (a[0] - p - pe + a[1]) / d);
}

/** 10^e for finite e with a normal, finite result (|e| up to about 300). */
export function pow10(e: number): number {
  if (!Number.isFinite(e) || Math.abs(e) > 300) throw new RangeError(`pow10: e must be a finite number from -300 to 300; got ${e}`);
  const t = mul([e, 0], LN10);
  const k = Math.round(t[0] / LN2[0]);
  const kLn2 = mul([k, 0], LN2);
  const r = add(t, [-kLn2[0], -kLn2[1]]);
  // |r| <= 0.35: 27 terms leave a remainder under 2^-130.
  let sum: DD = [1, 0];
  let term: DD = [1, 0];
  for (let j = 1; j <= 27; j++) {
    term = divInt(mul(term, r), j);
    sum = add(sum, term);
  }
  let x = sum[0] + sum[1]; // the one rounding to double
  // Times 2^k by steps of 2 (exact while the result stays normal).
  for (let i = 0; i < k; i++) x *= 2;
  for (let i = 0; i > k; i--) x /= 2;
  return x;
}
