// What every bench says about its own running time: an estimate when it starts, the time it
// took at the end, and whether it writes its results (only with --save: bench/results/ is
// tracked, so a look at the numbers must not rewrite it).
export const save = process.argv.includes('--save');

const format = (s) => (s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);

/** Prints the estimate; returns a function that prints the time taken since. */
export function startClock(label, estimateS) {
  console.log(`${label}: about ${format(estimateS)} on a 2-core machine${save ? '' : '; results are not written (pass --save to write bench/results/)'}`);
  const t0 = performance.now();
  return () => console.log(`\n${label}: took ${format((performance.now() - t0) / 1e3)}`);
}
