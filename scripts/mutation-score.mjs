// The mutation score of src/ per file, from StrykerJS's last report (reports/mutation/mutation.json),
// with the mutants judged equivalent left out: those listed in scripts/mutation-equivalents.json
// ("src"), each with the reason it changes nothing observable. Timeouts count as killed.
//   score = (killed + timeout) / (killed + timeout + survived + no coverage), equivalents out
// It also lists the mutants that survived and are not listed, and the list's entries that no
// longer match a surviving mutant (killed now, or the code changed): the list must stay honest.
// `npm run mutate` prints this after each run; `node scripts/mutation-score.mjs` prints it again,
// and `node scripts/mutation-score.mjs a.json b.json` scores saved reports together.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const REPORT = join(root, 'reports/mutation/mutation.json');
const LIST = join(root, 'scripts/mutation-equivalents.json');

/** The source text a mutant replaced (its location: lines and columns from 1). */
function originalOf(source, { start, end }) {
  const lines = source.split('\n');
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
}

/** Whether a list entry names this mutant: its file, the trimmed line it starts on, its mutator, what it replaced and with what. */
function matches(entry, file, mutant, source) {
  const line = source.split('\n')[mutant.location.start.line - 1].trim();
  return entry.file === file && entry.code === line && entry.mutator === mutant.mutatorName
    && entry.replacement === mutant.replacement && (entry.original === undefined || entry.original === originalOf(source, mutant.location));
}

export function score(report, list) {
  const rows = [];
  const survivors = [];
  const used = new Set();
  const killedButListed = [];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const row = { file, Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, equivalent: 0, Ignored: 0, errors: 0 };
    for (const m of mutants) {
      const entry = list.find((e) => matches(e, file, m, source));
      if (entry) used.add(entry);
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        if (entry) row.equivalent++;
        else {
          row[m.status]++;
          survivors.push(`${file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(originalOf(source, m.location)).slice(0, 80)} -> ${JSON.stringify(m.replacement).slice(0, 80)}`);
        }
      } else if (m.status === 'Killed' || m.status === 'Timeout' || m.status === 'Ignored') {
        row[m.status]++;
        if (entry && m.status !== 'Ignored') killedButListed.push(`${file}:${m.location.start.line} ${entry.mutator} -> ${entry.replacement}`);
      } else row.errors++; // CompileError, RuntimeError: no valid mutant
    }
    rows.push(row);
  }
  const stale = list.filter((e) => !used.has(e) && Object.hasOwn(report.files, e.file));
  return { rows, survivors, killedButListed, stale };
}

const pct = (r) => {
  const valid = r.Killed + r.Timeout + r.Survived + r.NoCoverage;
  return valid ? ((100 * (r.Killed + r.Timeout)) / valid).toFixed(1) : 'n/a';
};

if (import.meta.url === `file://${process.argv[1]}`) {
  // Reports named on the command line (copies of earlier runs', each of some files) are read
  // as one, a later report's file replacing an earlier's; by default the last run's.
  const paths = process.argv.length > 2 ? process.argv.slice(2) : [REPORT];
  const missing = paths.find((p) => !existsSync(p));
  if (missing) {
    console.error(`mutation-score: no report at ${missing}; run npm run mutate`);
    process.exit(1);
  }
  const report = { files: {} };
  for (const p of paths) Object.assign(report.files, JSON.parse(readFileSync(p, 'utf8')).files);
  const list = JSON.parse(readFileSync(LIST, 'utf8')).src;
  const { rows, survivors, killedButListed, stale } = score(report, list);
  const total = { file: 'all', Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, equivalent: 0, Ignored: 0, errors: 0 };
  console.log('| file | killed | timeout | survived | no coverage | equivalent (listed) | not mutated | errors | score % |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    for (const k of Object.keys(total)) if (k !== 'file') total[k] += r[k];
    console.log(`| ${r.file} | ${r.Killed} | ${r.Timeout} | ${r.Survived} | ${r.NoCoverage} | ${r.equivalent} | ${r.Ignored} | ${r.errors} | ${pct(r)} |`);
  }
  console.log(`| ${total.file} | ${total.Killed} | ${total.Timeout} | ${total.Survived} | ${total.NoCoverage} | ${total.equivalent} | ${total.Ignored} | ${total.errors} | ${pct(total)} |`);
  if (survivors.length) console.log(`\nSurvived, and not listed as equivalent (${survivors.length}):\n  ${survivors.join('\n  ')}`);
  if (killedButListed.length) console.log(`\nListed as equivalent but killed: take them off the list:\n  ${killedButListed.join('\n  ')}`);
  if (stale.length) console.log(`\nListed as equivalent, matching no mutant of the report (the code changed?):\n  ${stale.map((e) => `${e.file}: ${e.code} (${e.mutator} -> ${e.replacement})`).join('\n  ')}`);
}
