// The fused activations, one table: the name a user passes, the code the kernels take (must
// match `Activation` in assembly/activation.ts; test/kernels.test.ts compares them), and the
// scalar forms the JS kernels use. A new activation is one entry here and one in
// assembly/activation.ts (its code in the enum and its bounds in clampLow/clampHigh: the Wasm
// activations are clamps; one that is not would need a third body in each dispatcher).
export interface ActivationDef {
  /** What options.activation names it; null for none. */
  readonly name: string | null;
  /** The code passed to the kernels: its index in ACTIVATIONS. */
  readonly code: number;
  /** Its name in messages. */
  readonly label: string;
  /** The activation of a pre-activation value y. Keeps NaN and gives +0 for -0, as Wasm's f32x4.max does. */
  readonly apply: (y: number) => number;
  /** Whether the gradient passes at y (the derivative is 1 there, else 0). */
  readonly passes: (y: number) => boolean;
}

export const ACTIVATIONS = [
  { name: null, code: 0, label: 'no activation', apply: (y: number) => y, passes: () => true },
  { name: 'relu', code: 1, label: 'ReLU', apply: (y: number) => (y > 0 || y !== y ? y : 0), passes: (y: number) => y > 0 },
  { name: 'relu6', code: 2, label: 'ReLU6', apply: (y: number) => (y > 0 || y !== y ? Math.min(y, 6) : 0), passes: (y: number) => y > 0 && y < 6 },
] as const satisfies readonly ActivationDef[];

/**
 * The activations options.activation accepts: 'relu' (max(0, y)) and 'relu6' (min(max(y, 0), 6)).
 *
 * @useDeclaredType
 * @example
 * ```ts
 * const activation: Activation = 'relu';
 * ```
 */
export type Activation = NonNullable<(typeof ACTIVATIONS)[number]['name']>;

/** The activations' names as messages list them: `'relu', 'relu6'`. */
export const ACTIVATION_NAMES = ACTIVATIONS.flatMap((a) => (a.name ? [`'${a.name}'`] : [])).join(', ');

/** The code the kernels take for an activation (null: none). */
export function activationCode(name: Activation | null): number {
  return ACTIVATIONS.findIndex((a) => a.name === name);
}
