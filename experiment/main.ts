// `npm start`: the book's batch-norm experiment (chapter 6, batch_norm_test.py) on MNIST.
// Options: see USAGE in args.ts, or run with --help.
import { parseArgs, USAGE, UsageError } from './args.js';
import { runExperiment } from './experiment.js';

try {
  const config = parseArgs(process.argv.slice(2));
  if (config === null) console.log(USAGE);
  else await runExperiment(config);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`error: ${err.message}\nRun with --help for the options.`);
  process.exitCode = 2;
}
