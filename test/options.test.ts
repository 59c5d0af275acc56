// src/options.ts: every option's accepted values, its default, and its message (messages are
// API: what is named, what it accepts, what came), and the guess an unknown key gets.
import { describe, expect, it } from 'vitest';
import { checkEps, checkKeys, checkMomentum, checkNumber, definedOptions, isCount, layerOptions } from '../src/options.js';
import { expectThrows } from './helpers/throws.js';

const KEYS = 'eps, backend, axis, activation, runningVarUnbiased, trackRunningStats, numBatchesTracked, collective, syncTimeoutMs';

describe('layerOptions', () => {
  it('the defaults: eps 1e-6 (the book\'s 10e-7), no axis, no activation, the biased variance, running statistics kept', () => {
    expect(layerOptions({}, 'f')).toEqual({ eps: 1e-6, axis: undefined, activation: null, unbiased: false, backend: undefined, track: true, count: undefined });
    const allUndefined = { eps: undefined, axis: undefined, activation: undefined, runningVarUnbiased: undefined, backend: undefined, trackRunningStats: undefined, numBatchesTracked: undefined };
    expect(layerOptions(allUndefined, 'f')).toEqual(layerOptions({}, 'f'));
    expect(layerOptions({ axis: null, activation: null }, 'f')).toEqual(layerOptions({}, 'f'));
  });

  it('takes each option\'s values as given', () => {
    const o = layerOptions({ eps: 1e-3, axis: -1, activation: 'relu6', runningVarUnbiased: true, backend: 'js', trackRunningStats: false, numBatchesTracked: 0 }, 'f');
    expect(o).toEqual({ eps: 1e-3, axis: -1, activation: 'relu6', unbiased: true, backend: 'js', track: false, count: 0 });
    for (const axis of [1, -1, 2, 3] as const) expect(layerOptions({ axis }, 'f').axis).toBe(axis);
    expect(layerOptions({ activation: 'relu' }, 'f').activation).toBe('relu');
    expect(layerOptions({ backend: 'wasm' }, 'f').backend).toBe('wasm');
    expect(layerOptions({ runningVarUnbiased: false, trackRunningStats: true, numBatchesTracked: 12 }, 'f')).toMatchObject({ unbiased: false, track: true, count: 12 });
  });

  it('refuses each bad value by name, with what it accepts and what came', () => {
    expectThrows(() => layerOptions(null, 'f'), TypeError, 'f: options must be an object; got null');
    expectThrows(() => layerOptions(5, 'f'), TypeError, 'f: options must be an object; got number 5');
    expectThrows(() => layerOptions({ eps: '1' }, 'f'), TypeError, 'f: options.eps must be a number > 0; got the string "1"');
    expectThrows(() => layerOptions({ eps: 0 }, 'f'), RangeError, 'f: options.eps must be a finite number > 0; got 0');
    for (const axis of [0, 4, -2, '1', 1.5]) {
      expectThrows(() => layerOptions({ axis }, 'f'), RangeError,
        `f: options.axis must be 1 (channels first), -1 or the last axis index (channels last), or undefined (the book's per-feature statistics); got ${typeof axis === 'string' ? 'the string "1"' : `number ${axis}`}`);
    }
    expectThrows(() => layerOptions({ activation: 'gelu' }, 'f'), RangeError, "f: options.activation must be 'relu', 'relu6' or null; got the string \"gelu\"");
    expectThrows(() => layerOptions({ activation: 'ReLU' }, 'f'), RangeError, "f: options.activation must be 'relu', 'relu6' or null; got the string \"ReLU\"");
    expectThrows(() => layerOptions({ activation: 0 }, 'f'), RangeError, "f: options.activation must be 'relu', 'relu6' or null; got number 0");
    expectThrows(() => layerOptions({ backend: 'gpu' }, 'f'), RangeError, "f: options.backend must be 'wasm' or 'js'; got the string \"gpu\"");
    expectThrows(() => layerOptions({ backend: null }, 'f'), RangeError, "f: options.backend must be 'wasm' or 'js'; got null");
    expectThrows(() => layerOptions({ runningVarUnbiased: 1 }, 'f'), TypeError, 'f: options.runningVarUnbiased must be a boolean; got number 1');
    expectThrows(() => layerOptions({ trackRunningStats: 'no' }, 'f'), TypeError, 'f: options.trackRunningStats must be a boolean; got the string "no"');
    expectThrows(() => layerOptions({ numBatchesTracked: -1 }, 'f'), RangeError, 'f: options.numBatchesTracked must be an integer >= 0; got number -1');
    expectThrows(() => layerOptions({ numBatchesTracked: 2.5 }, 'f'), RangeError, 'f: options.numBatchesTracked must be an integer >= 0; got number 2.5');
    expectThrows(() => layerOptions({ numBatchesTracked: '2' }, 'f'), TypeError, 'f: options.numBatchesTracked must be an integer >= 0; got the string "2"');
    expectThrows(() => layerOptions({ eps: 1, momentum: 0.9 }, 'f'), RangeError, `f: options has no key "momentum" (options takes ${KEYS})`);
  });
});

describe('definedOptions', () => {
  it('keeps the keys with a value, drops explicit undefined, refuses what is no object and unknown keys', () => {
    expect(definedOptions({ eps: 1, axis: undefined, backend: 'js' }, 'f')).toEqual({ eps: 1, backend: 'js' });
    expect(definedOptions({ backend: 'js' }, 'f', ['backend'])).toEqual({ backend: 'js' });
    expectThrows(() => definedOptions(null as never, 'f'), TypeError, 'f: options must be an object; got null');
    expectThrows(() => definedOptions('x' as never, 'f'), TypeError, 'f: options must be an object; got the string "x"');
    expectThrows(() => definedOptions({ eps: 1 }, 'f', ['backend']), RangeError, 'f: options has no key "eps" (options takes backend)');
  });
});

describe('the guess for an unknown key', () => {
  const guess = (key: string, known: readonly string[] = KEYS.split(', ')) => {
    try {
      checkKeys({ [key]: 1 }, known, 'f');
    } catch (error) {
      const m = /did you mean (\w+)\?/.exec((error as Error).message);
      return m ? m[1] : null;
    }
    throw new Error(`${key} was accepted`);
  };

  it('another framework\'s name (in any case) when it names a known key', () => {
    expect(guess('epsilon')).toBe('eps');
    expect(guess('variance_epsilon')).toBe('eps');
    expect(guess('Epsilon')).toBe('eps');
    expect(guess('unbiased')).toBe('runningVarUnbiased');
    expect(guess('Variance_Epsilon')).toBe('eps');
    expect(guess('Unbiased')).toBe('runningVarUnbiased');
    // An alias whose key this list does not have is no guess: the other rules then answer.
    expect(guess('unbiased', ['backend', 'wasm', 'threads'])).toBeNull();
  });

  it('the same letters in another case, then a key that starts the other (of 3 letters or more), then one at most 2 edits away', () => {
    expect(guess('AXIS')).toBe('axis');
    // The case rule comes before the prefix rule: Keras' renorm_clipping is no renorm.
    expect(guess('Renorm_Clipping', ['renorm', 'renorm_clipping'])).toBe('renorm_clipping');
    expect(guess('abcdefg', ['ab'])).toBeNull(); // a known key of 2 letters is no prefix
    expect(guess('trackRunningStatsOn')).toBe('trackRunningStats');
    expect(guess('epsilon_value')).toBe('eps'); // starts with eps, far from every key by edits
    expect(guess('activ')).toBe('activation');
    expect(guess('axes')).toBe('axis'); // one edit
    expect(guess('bakcend')).toBe('backend'); // two edits
    expect(guess('momentum')).toBeNull(); // no known key within 2 edits, none a prefix
    expect(guess('xyz')).toBeNull();
  });

  it('the message lists what the options take', () => {
    expectThrows(() => checkKeys({ eps: 1, Eps: 2 }, ['eps'], 'f', 'config'), RangeError, 'f: config has no key "Eps"; did you mean eps? (config takes eps)');
    expect(() => checkKeys({ eps: 1 }, ['eps'], 'f')).not.toThrow();
    expect(() => checkKeys({}, [], 'f')).not.toThrow();
  });
});

describe('the number checks', () => {
  it('checkMomentum: null (the cumulative average) or a number in [0, 1], ends included', () => {
    expect(checkMomentum(null, 'f')).toBeNull();
    expect(checkMomentum(0, 'f')).toBe(0);
    expect(checkMomentum(1, 'f')).toBe(1);
    expect(checkMomentum(0.9, 'f')).toBe(0.9);
    expectThrows(() => checkMomentum(undefined, 'f'), TypeError, 'f: momentum must be a number in [0, 1] or null (the cumulative average); got undefined');
    expectThrows(() => checkMomentum(1.0000001, 'f'), RangeError, 'f: momentum must be a finite number in [0, 1]; got 1.0000001');
    expectThrows(() => checkMomentum(-0.5, 'f'), RangeError, 'f: momentum must be a finite number in [0, 1]; got -0.5');
    expectThrows(() => checkMomentum(NaN, 'f'), RangeError, 'f: momentum must be a finite number in [0, 1]; got NaN');
  });

  it('checkEps: a finite number > 0, named as the caller says', () => {
    expect(checkEps(1e-30, 'f')).toBe(1e-30);
    expectThrows(() => checkEps(-1, 'f', 'layer.eps'), RangeError, 'f: layer.eps must be a finite number > 0; got -1');
    expectThrows(() => checkEps(Infinity, 'f'), RangeError, 'f: options.eps must be a finite number > 0; got Infinity');
    expectThrows(() => checkEps(NaN, 'f'), RangeError, 'f: options.eps must be a finite number > 0; got NaN');
    expectThrows(() => checkEps(null, 'f'), TypeError, 'f: options.eps must be a number > 0; got null');
  });

  it('checkNumber: a TypeError for what is no number, a RangeError for a number that fails; isCount is an integer >= 0', () => {
    expect(checkNumber(3, 'n', 'f', isCount, 'a count')).toBe(3);
    expect(checkNumber(0, 'n', 'f', isCount, 'a count')).toBe(0);
    expectThrows(() => checkNumber(3n, 'n', 'f', isCount, 'a count'), TypeError, 'f: n must be a count; got the BigInt 3n');
    expectThrows(() => checkNumber(-1, 'n', 'f', isCount, 'a count'), RangeError, 'f: n must be a count; got number -1');
    expect([0, 1, 2 ** 53 - 1].every(isCount)).toBe(true);
    expect([-1, 0.5, 2 ** 53, NaN, Infinity].some(isCount)).toBe(false);
  });
});
