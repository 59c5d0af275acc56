// Types for stats.mjs (plain JS, as the benches), for the tests that import it.
export function median(xs: readonly number[]): number;
export function bytesMoved(op: string, count: number, bytes?: number): number;
export function versus(subjectMs: number, otherMs: number): string;
export function fastestOf(timings: readonly { minMs: number; medianMs: number }[], near: number): number;
