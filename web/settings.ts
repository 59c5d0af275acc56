// The page's controls: defaults as `npm start`'s, presets from the query string
// (?backend=js&seed=3&epochs=4&scales=2), and checks with the ranges args.ts uses.
import { DEFAULT_SEED, LIMITS, SHORT } from '../experiment/defaults.js';
import type { PageBackend } from './protocol.js';

export interface Settings {
  backend: PageBackend;
  seed: number;
  epochs: number;
  scales: number;
}

const NUMBERS = ['seed', 'epochs', 'scales'] as const;
const BACKENDS: readonly PageBackend[] = ['wasm', 'js', 'threads'];

const input = (name: string) => document.getElementById(name) as HTMLInputElement;
const select = () => document.getElementById('backend') as HTMLSelectElement;

/** Fills the controls: the query string's values where given, else npm start's defaults. */
export function presetControls(query: URLSearchParams, threadsPossible: boolean): void {
  const defaults = { seed: DEFAULT_SEED, epochs: SHORT.epochs, scales: SHORT.scales };
  for (const name of NUMBERS) {
    const el = input(name);
    el.min = String(LIMITS[name].min);
    el.max = String(LIMITS[name].max);
    el.value = query.get(name) ?? String(defaults[name]);
  }
  const threads = select().querySelector<HTMLOptionElement>('option[value="threads"]')!;
  threads.disabled = !threadsPossible;
  if (!threadsPossible) threads.textContent += ' (needs a cross-origin isolated page)';
  const wanted = query.get('backend') as PageBackend | null;
  if (wanted && BACKENDS.includes(wanted) && (wanted !== 'threads' || threadsPossible)) select().value = wanted;
}

/** The controls' values, or a message naming the first bad one. */
export function readControls(): Settings | string {
  const out: Partial<Settings> = { backend: select().value as PageBackend };
  for (const name of NUMBERS) {
    const raw = input(name).value.trim();
    const { min, max } = LIMITS[name];
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) return `${name} must be an integer from ${min} to ${max}; got '${raw}'`;
    out[name] = n;
  }
  return out as Settings;
}
