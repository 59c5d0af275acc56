// experiment/args.ts: the options of `npm start`, and the errors for bad ones.
import { describe, expect, it } from 'vitest';
import { FULL, parseArgs, SHORT, UsageError } from '../experiment/args.js';

describe('experiment CLI arguments', () => {
  it('defaults to the short grid, seed 1, out/, the backend init() picks', () => {
    expect(parseArgs([])).toEqual({ backend: null, seed: 1, outDir: 'out', dtype: 'float32', ...SHORT });
    expect(SHORT.scales).toBeLessThan(FULL.scales);
    expect(SHORT.epochs).toBeLessThan(FULL.epochs);
  });

  it('--full is the book grid; explicit values win over it, in either --name value or --name=value form', () => {
    expect(parseArgs(['--full'])).toMatchObject({ epochs: 20, scales: 16, images: 1000 });
    expect(parseArgs(['--', '--full', '--epochs', '3', '--scales=2', '--images', '50', '--seed=0', '--backend', 'js', '--out', 'tmp/x', '--dtype', 'float64']))
      .toEqual({ backend: 'js', seed: 0, epochs: 3, scales: 2, images: 50, outDir: 'tmp/x', dtype: 'float64' });
    expect(parseArgs(['--seed', '4294967295'])?.seed).toBe(4294967295);
  });

  it('returns null for --help and -h', () => {
    expect(parseArgs(['--help'])).toBeNull();
    expect(parseArgs(['--epochs', '3', '-h'])).toBeNull();
  });

  it.each([
    [['--epochs', '0'], /--epochs must be an integer from 1 to 1000; got 0/],
    [['--epochs', '1.5'], /--epochs must be an integer from 1 to 1000; got '1.5'/],
    [['--epochs=abc'], /--epochs must be an integer .* got 'abc'/],
    [['--epochs='], /--epochs must be an integer .* got ''/],
    [['--scales', '65'], /--scales must be an integer from 1 to 64; got 65/],
    [['--seed', '-1'], /--seed must be an integer from 0 to 4294967295; got '-1'/],
    [['--seed', '4294967296'], /--seed must be an integer from 0 to 4294967295/],
    [['--images', '100000'], /--images must be an integer from 1 to \d+; got 100000/],
    [['--backend', 'gpu'], /--backend must be 'wasm' or 'js'; got 'gpu'/],
    [['--dtype', 'float16'], /--dtype must be 'float32' or 'float64'; got 'float16'/],
    [['--epochs'], /--epochs needs a value/],
    [['--seed', '--full'], /--seed needs a value/],
    [['--out='], /--out must be a folder path/],
    [['--seed', '1', '--seed', '2'], /--seed given twice/],
    [['--bogus'], /unknown option '--bogus'/],
    [['-e', '3'], /unknown option '-e'/],
    [['full'], /unexpected argument 'full'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
