// Mutation testing of the AssemblyScript kernels (assembly/*.ts), which StrykerJS cannot
// mutate: `npm run mutate:assembly`. Each mutant is one change on one line (an operator, a
// comparison, a constant, a SIMD operation swapped for its opposite, a statement dropped); for
// each, the Wasm is rebuilt in a scratch copy of the repository (the real build/ is never
// touched) and the kernel tests run against it, stopping at the first failure.
//   killed     a test failed             timeout     the tests ran past the limit (counts as killed)
//   survived   every test passed         no-compile  asc refused the mutant (not counted)
//   identical  asc -O3 emitted the very same bytes as without the mutant (equivalent by
//              construction, not counted)
//   equivalent listed in scripts/mutation-equivalents.json ("assembly") with the reason (not counted)
// Score: (killed + timeout) / (killed + timeout + survived). docs/MUTATION.md says more.
//
//   node scripts/mutate-assembly.mjs [--files assembly/a.ts,assembly/b.ts] [--tests test/x.test.ts,...]
//     [--jobs 2] [--sample K] [--limit N] [--match text] [--survivors] [--list] [--fresh]
// --sample K runs every K-th mutant (a spread-out sample, when a full run takes too long);
// --limit N the first N; --match text those whose id (file, line, change) contains text; --survivors only the mutants that survived in the last report
// (reports/assembly-mutation.json), whose results it updates; --list prints the mutants and runs nothing.
// Every result is also appended to scripts/assembly-mutation-journal.jsonl as it comes, so that
// a run cut short keeps what it did and the next run goes on from there: a mutant whose file is
// unchanged keeps its result (a survivor only while the tests are unchanged too, since a new
// test may kill it). --fresh ignores the journal.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const REPORT = join(root, 'reports/assembly-mutation.json');
const JOURNAL = join(root, 'scripts/assembly-mutation-journal.jsonl'); // committed: a full run takes several sittings
const EQUIVALENTS = join(root, 'scripts/mutation-equivalents.json'); // its "assembly" list
// The kernel tests: every export against its TypeScript twin (kernels), every driver the plan
// can name (plan), the slabs, the activations' edges, the bytes each kernel writes, and the
// float64 kernels through the layer (float64, float64-zeros: exact zeros from zeros).
const DEFAULT_TESTS = ['test/kernels.test.ts', 'test/plan.test.ts', 'test/slabs.test.ts', 'test/activation-bounds.test.ts', 'test/kernel-writes.test.ts',
  'test/float64.test.ts', 'test/float64-zeros.test.ts'];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) return true;
  return value;
}
const files = String(option('files', '')).split(',').filter(Boolean);
const tests = String(option('tests', DEFAULT_TESTS.join(','))).split(',').filter(Boolean);
const jobs = Math.max(1, Number(option('jobs', 2)));
const onlySurvivors = option('survivors', false) === true;
const listOnly = option('list', false) === true;
const sample = Math.max(1, Number(option('sample', 1)));
const limit = Number(option('limit', Infinity));
const match = option('match', '');
const fresh = option('fresh', false) === true;

// ---- the mutants ------------------------------------------------------------------------------

// Token swaps, each applied at one occurrence at a time. Binary operators need a space on each
// side (the code's style), which keeps generics (load<f32>) and casts (<usize>) out.
const SWAPS = [
  ['simd', /\b(f32x4|f64x2)\.(add|sub|mul|div|min|max|gt|ge|lt|le|eq|ne)\b/g, (m, t, op) => `${t}.${{ add: 'sub', sub: 'add', mul: 'div', div: 'mul', min: 'max', max: 'min', gt: 'ge', ge: 'gt', lt: 'le', le: 'lt', eq: 'ne', ne: 'eq' }[op]}`],
  ['simd', /\bv128\.(and|or)\b/g, (m, op) => `v128.${op === 'and' ? 'or' : 'and'}`],
  ['simd', /\b(min|max)(?=[<(])/g, (m) => (m === 'min' ? 'max' : 'min')],
  ['call', /\b(Math\.sqrt|f64x2\.sqrt|f32x4\.sqrt|f64x2\.neg|f32x4\.neg)(?=\()/g, () => ''],
  ['arithmetic', / ([-+*/]) /g, (m, op) => ` ${{ '+': '-', '-': '+', '*': '/', '/': '*' }[op]} `],
  ['arithmetic', /(?<=[(,=] ?|return )-(?=[\w(])/g, () => ''],
  ['assignment', / ([-+*])= /g, (m, op) => ` ${{ '+': '-', '-': '+', '*': '/' }[op]}= `],
  ['assignment', /(\+\+|--)/g, (m) => (m === '++' ? '--' : '++')],
  ['comparison', / (<=|>=|<|>|==|!=) /g, (m, op) => ` ${{ '<': '<=', '<=': '<', '>': '>=', '>=': '>', '==': '!=', '!=': '==' }[op]} `],
  ['logical', / (&&|\|\|) /g, (m, op) => ` ${op === '&&' ? '||' : '&&'} `],
  ['bitwise', / (&|\||<<|>>>?) /g, (m, op) => ` ${{ '&': '|', '|': '&', '<<': '>>', '>>': '<<', '>>>': '<<' }[op]} `],
  ['bitwise', /~(?=\w)/g, () => ''],
  ['constant', /(?<![\w.])(\d+)(?![\w.])/g, (m) => String(Number(m) + 1)],
  ['constant', /(?<![\w.])(\d+\.\d+|\d+e-?\d+)(?![\w.])/g, (m) => String(Number(m) * 2)],
  ['constant', /-?\bInfinity\b/g, (m) => (m.startsWith('-') ? 'Infinity' : '-Infinity')],
  ['constant', /\b(true|false)\b/g, (m) => (m === 'true' ? 'false' : 'true')],
];

// The code of a line: up to a // comment (the kernels have no strings).
function codeOf(line) {
  const i = line.indexOf('//');
  return i < 0 ? line : line.slice(0, i);
}

function skipLine(code) {
  const t = code.trim();
  return t === '' || t.startsWith('*') || t.startsWith('/*') || t.startsWith('@') || t.startsWith('import ') || t.startsWith('export {');
}

// A statement that can be dropped: it starts a statement (the line before ends one) and ends
// with `;`, and declares nothing (dropping a declaration does not compile).
function droppable(code, previous) {
  const t = code.trim();
  if (!t.endsWith(';') || /^(const|let|var|return|export|import|type|if|else|function)\b/.test(t)) return false;
  return previous === null || /[;{}]\s*$/.test(previous.trim()) || previous.trim() === '';
}

function mutantsOf(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out = [];
  let previous = null;
  lines.forEach((line, index) => {
    const code = codeOf(line);
    if (skipLine(code)) return;
    for (const [kind, pattern, replace] of SWAPS) {
      for (const m of code.matchAll(pattern)) {
        const to = replace(...m);
        if (to === m[0]) continue;
        out.push({ file, line: index + 1, column: m.index + 1, kind, from: m[0], to, text: line.trim(),
          mutated: line.slice(0, m.index) + to + line.slice(m.index + m[0].length) });
      }
    }
    if (droppable(code, previous)) out.push({ file, line: index + 1, column: 1, kind: 'statement', from: code.trim(), to: '', text: line.trim(), mutated: '' });
    previous = code;
  });
  // An id that survives edits elsewhere in the file: the line's text, the change, where in the line.
  for (const m of out) m.id = `${m.file}: ${m.text} :: ${m.from.trim()} -> ${m.to.trim() || '(dropped)'} @${m.column}`;
  return out;
}

// ---- the runs -----------------------------------------------------------------------------------

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

// A scratch copy of what the build and the tests need, node_modules linked.
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'bn-mutate-asm-'));
  for (const entry of ['assembly', 'src', 'test', 'scripts', 'package.json', 'tsconfig.json', 'vitest.config.ts']) {
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function run(cmd, args, cwd, timeoutMs) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, timedOut, output });
    });
  });
}

const build = (dir) => run(process.execPath, ['scripts/build-wasm.mjs'], dir, 300_000);
const testRun = (dir, timeoutMs) => run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...tests, '--bail', '1', '--reporter', 'dot'], dir, timeoutMs);

async function main() {
  const all = readdirSync(join(root, 'assembly')).filter((f) => f.endsWith('.ts')).map((f) => `assembly/${f}`).sort();
  const targets = files.length ? files : all;
  let mutants = targets.flatMap(mutantsOf);
  if (onlySurvivors) {
    const last = JSON.parse(readFileSync(REPORT, 'utf8'));
    const survived = new Set(last.mutants.filter((m) => m.status === 'survived').map((m) => m.id));
    mutants = mutants.filter((m) => survived.has(m.id));
  }
  if (match) mutants = mutants.filter((m) => m.id.includes(String(match)));
  mutants = mutants.filter((_, i) => i % sample === 0).slice(0, limit);
  const equivalents = existsSync(EQUIVALENTS) ? JSON.parse(readFileSync(EQUIVALENTS, 'utf8')).assembly : [];
  const listed = new Map(equivalents.map((e) => [e.id, e.why]));
  if (listOnly) {
    for (const m of mutants) console.log(`${m.file}:${m.line}:${m.column} ${m.kind}: ${m.from.trim()} -> ${m.to.trim() || '(dropped)'}`);
    console.log(`${mutants.length} mutants`);
    return;
  }

  // The journal's results that still hold: same file text; for a survivor, the same tests too.
  const fileHash = new Map(targets.map((f) => [f, sha(readFileSync(join(root, f)))]));
  const testsHash = sha(tests.map((t) => readFileSync(join(root, t), 'utf8')).join('\0'));
  const journal = new Map();
  if (!fresh && existsSync(JOURNAL)) {
    for (const line of readFileSync(JOURNAL, 'utf8').split('\n').filter(Boolean)) {
      const e = JSON.parse(line);
      if (e.fileHash === fileHash.get(e.file) && e.status !== 'equivalent' && (e.status !== 'survived' || e.testsHash === testsHash)) journal.set(e.id, e.status);
    }
  }
  const pending = mutants.filter((m) => !journal.has(m.id) || listed.has(m.id));
  for (const m of mutants) if (journal.has(m.id) && !listed.has(m.id)) m.status = journal.get(m.id);
  const reused = mutants.length - pending.length;

  const dirs = pending.length ? Array.from({ length: Math.min(jobs, pending.length) }, sandbox) : [];
  if (dirs.length) try {
    // The unmutated build and tests: its bytes tell identical mutants, its time sets the limit.
    const first = await build(dirs[0]);
    if (first.code !== 0) throw new Error(`the unmutated build failed:\n${first.output}`);
    const originalBytes = sha(readFileSync(join(dirs[0], 'build/batchnorm.wasm')));
    for (const dir of dirs.slice(1)) await build(dir);
    const t0 = Date.now();
    const dry = await testRun(dirs[0], 1_800_000);
    if (dry.code !== 0) throw new Error(`the tests fail without a mutant:\n${dry.output.slice(-4000)}`);
    const baseMs = Date.now() - t0;
    const limitMs = Math.max(60_000, 3 * baseMs + 30_000);
    console.log(`mutate-assembly: ${pending.length} mutants to run in ${targets.length} files (${reused} from the journal); tests ${tests.join(', ')} took ${(baseMs / 1000).toFixed(1)} s unmutated (limit ${(limitMs / 1000).toFixed(0)} s); ${dirs.length} job(s)`);

    let next = 0;
    let done = 0;
    const started = Date.now();
    const worker = async (dir) => {
      while (next < pending.length) {
        const m = pending[next++];
        const path = join(dir, m.file);
        const original = readFileSync(path, 'utf8');
        const lines = original.split('\n');
        lines[m.line - 1] = m.mutated;
        writeFileSync(path, lines.join('\n'));
        try {
          if (listed.has(m.id)) {
            m.status = 'equivalent';
            m.why = listed.get(m.id);
            continue;
          }
          const b = await build(dir);
          if (b.code !== 0) {
            m.status = 'no-compile';
            continue;
          }
          if (sha(readFileSync(join(dir, 'build/batchnorm.wasm'))) === originalBytes) {
            m.status = 'identical';
            continue;
          }
          const t = await testRun(dir, limitMs);
          m.status = t.timedOut ? 'timeout' : t.code === 0 ? 'survived' : 'killed';
        } finally {
          writeFileSync(path, original);
          appendFileSync(JOURNAL, `${JSON.stringify({ id: m.id, file: m.file, fileHash: fileHash.get(m.file), testsHash, status: m.status })}\n`);
          done++;
          if (m.status === 'survived') console.log(`survived: ${m.file}:${m.line}:${m.column} ${m.kind}: ${m.from.trim()} -> ${m.to.trim() || '(dropped)'}\n    ${m.text}`);
          if (done % 25 === 0) console.log(`mutate-assembly: ${done}/${pending.length} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
        }
      }
    };
    await Promise.all(dirs.map(worker));
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }

  const stale = equivalents.filter((e) => !mutants.some((m) => m.id === e.id));
  const byFile = new Map();
  for (const m of mutants) {
    const row = byFile.get(m.file) ?? { killed: 0, timeout: 0, survived: 0, 'no-compile': 0, identical: 0, equivalent: 0 };
    row[m.status]++;
    byFile.set(m.file, row);
  }
  const score = (r) => {
    const valid = r.killed + r.timeout + r.survived;
    return valid ? `${((100 * (r.killed + r.timeout)) / valid).toFixed(1)}%` : 'n/a';
  };
  const total = { killed: 0, timeout: 0, survived: 0, 'no-compile': 0, identical: 0, equivalent: 0 };
  if (reused) console.log(`\n${reused} results taken from ${JOURNAL} (file and tests unchanged since)`);
  console.log('\n| file | killed | timeout | survived | equivalent (listed) | identical bytes | no compile | score |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [file, r] of byFile) {
    for (const k of Object.keys(total)) total[k] += r[k];
    console.log(`| ${file} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.equivalent} | ${r.identical} | ${r['no-compile']} | ${score(r)} |`);
  }
  console.log(`| all | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.equivalent} | ${total.identical} | ${total['no-compile']} | ${score(total)} |`);
  if (!onlySurvivors && !files.length && !match && sample === 1 && limit === Infinity && stale.length) {
    console.log(`\n${stale.length} listed equivalents match no mutant any more (the code changed): review scripts/mutation-equivalents.json`);
    for (const e of stale) console.log(`  ${e.id}`);
  }
  mkdirSync(join(root, 'reports'), { recursive: true });
  if (!onlySurvivors) writeFileSync(REPORT, JSON.stringify({ tests, files: targets, sample, mutants: mutants.map(({ mutated, ...m }) => m) }, null, 1));
  else {
    // Merge into the last full report: the survivors rerun replace their old results.
    const last = JSON.parse(readFileSync(REPORT, 'utf8'));
    const now = new Map(mutants.map((m) => [m.id, m]));
    last.mutants = last.mutants.map((m) => { const r = now.get(m.id); return r ? (({ mutated, ...rest }) => rest)(r) : m; });
    writeFileSync(REPORT, JSON.stringify(last, null, 1));
  }
  console.log(`\nreport: ${REPORT}`);
}

await main();
